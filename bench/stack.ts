// The in-process Berth the deploy and HTTPS benches measure: an embedded PostgreSQL in a scratch
// directory, the composed context with the real Docker gateway and the proxy (a service of its own per
// run, labelled berth.test), the API (driven with inject), a job worker — and its teardown, which
// removes what a run created in Docker.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { composeContext } from '../src/app/compose.ts';
import { buildApi } from '../src/api/server.ts';
import { loadConfig } from '../src/config/config.ts';
import { ensureSetupToken } from '../src/core/identity/setup.ts';
import { connectDatabase } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { MemoryBus } from '../src/infra/bus/memory.ts';
import { SecretBox } from '../src/infra/crypto/secretbox.ts';
import { DockerGateway } from '../src/infra/docker/index.ts';
import { EmbeddedPostgres } from '../src/infra/postgres/embedded.ts';
import { projectNetworkName } from '../src/plan/app-service.ts';
import { removeNetworkEventually } from '../test/support/docker-cleanup.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '0.0.0.0', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface StackOptions {
  /** Names the scratch directory (berth-bench-<name>-…). */
  name: string;
  /** The embedded PostgreSQL listens on a random port in [pgPortBase, pgPortBase + 100). */
  pgPortBase: number;
  /** The proxy service is bench-<run>-<proxySuffix>. */
  proxySuffix: string;
  /** Settings on top of the data directory, silent logs, no DNS port, the proxy service and image. */
  env: Record<string, string>;
  workerConcurrency: number;
}

export async function startStack(o: StackOptions) {
  const run = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), `berth-bench-${o.name}-`));
  chmodSync(dir, 0o711); // the embedded PostgreSQL's system user must traverse it
  const pg = new EmbeddedPostgres({ dataDir: join(dir, 'pg'), port: o.pgPortBase + Math.floor(Math.random() * 100) });
  const database = connectDatabase(await pg.start());
  await migrate(database.pool);
  const config = loadConfig({
    BERTH_DATA_DIR: join(dir, 'data'),
    BERTH_LOG_LEVEL: 'silent',
    BERTH_DNS_PORT: '0',
    BERTH_PROXY_SERVICE: `bench-${run}-${o.proxySuffix}`,
    BERTH_PROXY_IMAGE: process.env.BERTH_PROXY_IMAGE ?? 'berth/caddy:2',
    ...o.env,
  });
  mkdirSync(config.BERTH_DATA_DIR, { recursive: true, mode: 0o700 });
  const docker = new DockerGateway({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  const bus = new MemoryBus();
  const { ctx, queue, platform } = composeContext({ config, database, bus, secrets: new SecretBox(randomBytes(32)), docker, log: pino({ level: 'silent' }), proxyLabels: { 'berth.test': 'true' } });
  const setup = await ensureSetupToken(database.db, config.BERTH_DATA_DIR);
  const api = await buildApi(ctx);
  await platform.start();
  const worker = queue.createWorker({ concurrency: o.workerConcurrency });
  await worker.start();

  /**
   * Stops the worker, then `afterWorker` (what the bench started by itself), removes the service's Swarm
   * services, the proxy and the project networks, and closes and deletes everything else.
   */
  async function stop(serviceId: string, afterWorker: () => Promise<unknown> = async () => undefined): Promise<void> {
    await worker.stop({ graceMs: 1000 });
    await afterWorker();
    for (const s of await docker.listServices({ labels: { 'berth.service': serviceId } }).catch(() => [])) await docker.removeService(s.name);
    await docker.removeService(config.BERTH_PROXY_SERVICE).catch(() => undefined);
    for (const { id } of (await database.pool.query<{ id: string }>('SELECT id FROM projects')).rows) await removeNetworkEventually(docker, projectNetworkName(id)).catch(() => undefined);
    await platform.stopDns();
    await api.close();
    await bus.close();
    await database.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { run, database, ctx, api, setupToken: setup!.token, stop };
}
