// The composition root of `berth server`: config → data directory and master key → database (embedded
// PostgreSQL 16 unless DATABASE_URL) → migrations → bus → Docker gateway → job queue and worker → API.
// Shutdown runs the same list backwards: stop taking requests and jobs, hand back unfinished jobs,
// close connections, stop the embedded database.
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createLogger } from './logger.ts';
import { buildApi, type Api } from '../api/server.ts';
import type { Config } from '../config/config.ts';
import { ensureSetupToken } from '../core/identity/setup.ts';
import { connectDatabase, type Database } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { createBus } from '../infra/bus/index.ts';
import { loadMasterKey, SecretBox } from '../infra/crypto/secretbox.ts';
import { DockerGateway, PLATFORM_NETWORKS } from '../infra/docker/index.ts';
import { EmbeddedPostgres } from '../infra/postgres/embedded.ts';
import { JOB_STATE_TOPIC, type Worker } from '../jobs/index.ts';
import { syncDeploymentsWithJobs } from '../core/deployments/deployments.ts';
import type { AppContext } from './context.ts';
import { composeContext } from './compose.ts';
import type { Platform } from './platform.ts';

export interface RunningServer {
  api: Api;
  ctx: AppContext;
  url: string;
  embedded?: EmbeddedPostgres;
  shutdown(reason?: string): Promise<void>;
}

async function openDatabase(config: Config, log: Logger): Promise<{ database: Database; embedded?: EmbeddedPostgres }> {
  if (config.DATABASE_URL) return { database: connectDatabase(config.DATABASE_URL) };
  const embedded = new EmbeddedPostgres({ dataDir: config.BERTH_DATA_DIR, port: config.BERTH_EMBEDDED_PG_PORT });
  const t0 = performance.now();
  const url = await embedded.start();
  log.info({ ms: Math.round(performance.now() - t0), port: config.BERTH_EMBEDDED_PG_PORT }, 'embedded PostgreSQL ready');
  return { database: connectDatabase(url), embedded };
}

/** Creates Berth's overlay networks when the engine is a Swarm manager; never fails the boot. */
async function ensurePlatform(docker: DockerGateway, log: Logger): Promise<void> {
  try {
    const info = await docker.info();
    if (info.swarm.state !== 'active' || !info.swarm.isManager) {
      log.warn({ swarm: info.swarm.state }, 'Docker is not a Swarm manager: run `docker swarm init` (the installer does)');
      return;
    }
    for (const spec of Object.values(PLATFORM_NETWORKS)) await docker.ensureNetwork(spec);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'Docker is not reachable: deploys will wait until it is');
  }
}

/** Starts the ingress; while Docker is not ready, retries every 10 s without failing the boot. */
function startPlatformWithRetry(platform: Platform, log: Logger): void {
  const attempt = () =>
    platform.start().catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'ingress not started yet; retrying in 10 s');
      setTimeout(attempt, 10_000).unref();
    });
  void attempt();
}

export async function startServer(config: Config, opts: { log?: Logger } = {}): Promise<RunningServer> {
  const log = opts.log ?? createLogger(config);
  mkdirSync(config.BERTH_DATA_DIR, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) chmodSync(config.BERTH_DATA_DIR, 0o711);
  const secrets = new SecretBox(loadMasterKey({ value: config.BERTH_MASTER_KEY, file: config.BERTH_MASTER_KEY_FILE ?? join(config.BERTH_DATA_DIR, 'master.key') }));

  const { database, embedded } = await openDatabase(config, log);
  const applied = await migrate(database.pool);
  if (applied.length) log.info({ applied }, 'database migrated');

  const bus = await createBus({ redisUrl: config.REDIS_URL, onError: (err: unknown) => log.warn({ err: (err as Error)?.message }, 'event bus error') });
  const docker = new DockerGateway({ socketPath: config.BERTH_DOCKER_SOCKET });
  const { ctx, queue, platform } = composeContext({ config, database, bus, secrets, docker, log });

  const setup = await ensureSetupToken(database.db, config.BERTH_DATA_DIR);
  if (setup) {
    process.stdout.write(`\n  Berth is not set up yet. One-time setup token (also in ${setup.file}):\n\n    ${setup.token}\n\n`);
  }
  // In the background: a slow or absent Docker must not hold up the API (health reports it).
  void ensurePlatform(docker, log);
  // Deployments whose job ended while no handler could record it (a crash) take the job's outcome.
  await syncDeploymentsWithJobs(database.db);
  const unsubscribeSync = await bus.subscribe(JOB_STATE_TOPIC, () => void syncDeploymentsWithJobs(database.db).catch(() => undefined));
  if (config.BERTH_INGRESS) startPlatformWithRetry(platform, log);

  const api = await buildApi(ctx);
  await api.listen({ host: config.BERTH_HOST, port: config.BERTH_PORT });
  const worker: Worker = queue.createWorker({ concurrency: config.BERTH_JOB_CONCURRENCY, leaseSeconds: config.BERTH_JOB_LEASE_SECONDS });
  await worker.start();
  // Backup schedules: every replica ticks; each due schedule is claimed once (FOR UPDATE SKIP LOCKED).
  const stopBackupScheduler = ctx.backups.startScheduler({ onError: (err) => log.warn({ err: (err as Error).message }, 'backup scheduler tick failed') });
  // Issuance for new hosts and renewals: every replica looks, each due certificate is claimed once.
  ctx.certificates.start(config.BERTH_CERT_CHECK_SECONDS * 1000);
  const address = api.server.address();
  const url = typeof address === 'object' && address ? `http://${config.BERTH_HOST === '0.0.0.0' ? '127.0.0.1' : config.BERTH_HOST}:${address.port}` : '';
  log.info({ url }, 'berth server listening');

  let closing: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') =>
    (closing ??= (async () => {
      log.info({ reason }, 'shutting down: no new requests or jobs');
      const [, report] = await Promise.all([api.close(), worker.stop({ graceMs: 10_000 }), ctx.certificates.stop()]);
      if (report.handedBack.length) log.info({ jobs: report.handedBack }, 'handed back unfinished jobs');
      stopBackupScheduler();
      await unsubscribeSync();
      await platform.stop();
      await bus.close();
      await database.close();
      await embedded?.stop();
      log.info('stopped');
    })());
  return { api, ctx, url, ...(embedded ? { embedded } : {}), shutdown };
}
