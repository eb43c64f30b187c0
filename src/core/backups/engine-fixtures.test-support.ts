// Test fixtures per engine for the backup tests: a running database container of the test-bed image
// (no network; everything goes through exec, as backups do), data written into it, the data dropped.
// Adding an engine to the backup tests = one entry here.
import { randomBytes } from 'node:crypto';
import type { DatabaseCredentials, DatabaseEngine, DatabaseEngineId } from '../databases/engine.ts';
import { ENGINES } from '../databases/engines.ts';
import type { ContainerGateway } from '../../infra/docker/containers.ts';
import type { DatabaseSubject } from './subjects.ts';

interface EngineFixture {
  image: string;
  version: string;
  /** argv (+ its env) writing a known data set: several tables/keys, thousands of rows. */
  seed: string[][];
  /** argv removing the data (what a user's mistake would do). */
  drop: string[][];
}

const psql = ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c'];
const maria = (sql: string) => ['mariadb', '--protocol=TCP', '--host=127.0.0.1', '--port=3306', '--user=app', 'appdb', `--execute=${sql}`];
const redis = ['redis-cli', '-e', '-h', '127.0.0.1', '-p', '6379', '--no-auth-warning'];

export const FIXTURES: Partial<Record<DatabaseEngineId, EngineFixture>> = {
  postgres: {
    image: process.env.BERTH_TEST_IMAGE_POSTGRES ?? 'berth/postgres:15',
    version: '15',
    seed: [
      [...psql, "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2)); INSERT INTO items SELECT g, md5(g::text), g * 1.5 FROM generate_series(1, 5000) g"],
      [...psql, "CREATE SCHEMA shop; CREATE TABLE shop.orders (id bigserial PRIMARY KEY, item int REFERENCES items(id), note jsonb); INSERT INTO shop.orders (item, note) SELECT g % 5000 + 1, jsonb_build_object('n', g) FROM generate_series(1, 3000) g"],
    ],
    drop: [[...psql, 'DROP TABLE shop.orders; DELETE FROM items WHERE id > 10']],
  },
  mariadb: {
    image: process.env.BERTH_TEST_IMAGE_MARIADB ?? 'berth/mariadb:10.11',
    version: '10.11',
    seed: [
      maria("SET SESSION max_recursive_iterations = 100000; CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64), price DECIMAL(10,2)); INSERT INTO items WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000) SELECT n, MD5(n), n * 1.5 FROM s"),
      maria("SET SESSION max_recursive_iterations = 100000; CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, item INT, note TEXT); INSERT INTO orders (item, note) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000) SELECT n % 5000 + 1, CONCAT('note ', n) FROM s"),
    ],
    drop: [maria('DROP TABLE orders; DELETE FROM items WHERE id > 10')],
  },
  redis: {
    image: process.env.BERTH_TEST_IMAGE_REDIS ?? 'berth/redis:7',
    version: '7',
    seed: [
      [...redis, 'DEBUG', 'POPULATE', '2000', 'key', '32'],
      [...redis, 'HSET', 'user:1', 'name', 'ada', 'role', 'admin'],
      [...redis, 'RPUSH', 'queue', 'a', 'b', 'c'],
      [...redis, '-n', '3', 'SET', 'other-db', 'yes'],
    ],
    drop: [[...redis, 'FLUSHALL']],
  },
};

export function credentialsFor(engine: DatabaseEngine): DatabaseCredentials {
  return { user: 'app', password: randomBytes(12).toString('hex'), database: 'appdb', ...(engine.id === 'mariadb' || engine.id === 'mysql' ? { rootPassword: randomBytes(12).toString('hex') } : {}) };
}

/** Starts a database container for `serviceId` and waits until it accepts authenticated connections. */
export async function startDatabase(containers: ContainerGateway, engineId: DatabaseEngineId, serviceId: string, labels: Record<string, string>): Promise<DatabaseSubject> {
  const engine = ENGINES[engineId];
  const fixture = FIXTURES[engineId]!;
  const credentials = credentialsFor(engine);
  const containerId = await containers.startScratch({
    image: fixture.image,
    env: engine.containerEnv(credentials),
    ...(engine.command ? { cmd: engine.command(credentials) } : {}),
    labels: { ...labels, 'berth.service': serviceId },
  });
  await containers.waitUntilReady(containerId, { argv: engine.healthCheck, env: engine.execEnv(credentials), timeoutMs: 180_000 });
  return { serviceId, engine, version: fixture.version, credentials, containerId, image: await containers.containerImage(containerId) };
}

export async function runAll(containers: ContainerGateway, db: DatabaseSubject, commands: string[][]): Promise<void> {
  for (const argv of commands) {
    const r = await containers.exec(db.containerId, { argv, env: db.engine.execEnv(db.credentials) });
    if (r.exitCode !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} … exited ${r.exitCode}: ${r.stderr}`);
  }
}
