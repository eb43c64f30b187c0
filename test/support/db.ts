// A fresh, migrated database per test file, cloned from a template on the server named by
// TEST_DATABASE_URL (scripts/test.sh points it at the embedded PostgreSQL, then at Debian's server).
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectDatabase, type Database } from '../../src/db/client.ts';
import { listMigrations, migrate } from '../../src/db/migrate.ts';

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through `npm test` (scripts/test.sh)');
  return url;
}

function withDb(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The template is keyed by a hash of the migrations, so a changed migration gets a new template. */
async function ensureTemplate(): Promise<string> {
  const hash = createHash('sha256').update(listMigrations().map((m) => m.name + m.sql).join('\n')).digest('hex').slice(0, 12);
  const name = `berth_tpl_${hash}`;
  await admin(async (c) => {
    await c.query('SELECT pg_advisory_lock(4242)');
    try {
      const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return;
      await c.query(`CREATE DATABASE ${name}_tmp`).catch(async () => {
        await c.query(`DROP DATABASE ${name}_tmp`);
        await c.query(`CREATE DATABASE ${name}_tmp`);
      });
      const db = connectDatabase(withDb(adminUrl(), `${name}_tmp`), { max: 1 });
      await migrate(db.pool);
      await db.close();
      await c.query(`ALTER DATABASE ${name}_tmp RENAME TO ${name}`);
    } finally {
      await c.query('SELECT pg_advisory_unlock(4242)');
    }
  });
  return name;
}

export interface TestDatabase extends Database {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates a migrated database for one test file. Call `drop()` in `after`. */
export async function testDatabase(): Promise<TestDatabase> {
  const template = await ensureTemplate();
  const name = `berth_t_${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      break;
    } catch (err) {
      // Another clone may hold the template for a moment ("being accessed by other users").
      if (attempt > 20) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = withDb(adminUrl(), name);
  const database = connectDatabase(url, { max: 5 });
  return {
    ...database,
    url,
    name,
    async drop() {
      await database.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** An empty (unmigrated) database, for migration tests. */
export async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `berth_e_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return { url: withDb(adminUrl(), name), drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}
