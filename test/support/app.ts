// Builds a real API over a fresh test database, wired exactly as `berth server` wires it (app/compose.ts):
// real PostgreSQL, real argon2, real cookies, the real Docker gateway. The ingress and the job worker are
// not started unless a test starts them (`t.platform.start()`, `t.queue.createWorker()`).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AppContext } from '../../src/app/context.ts';
import { composeContext } from '../../src/app/compose.ts';
import type { Platform } from '../../src/app/platform.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildApi, type Api, type BuildApiOptions } from '../../src/api/server.ts';
import { MemoryBus } from '../../src/infra/bus/memory.ts';
import { SecretBox } from '../../src/infra/crypto/secretbox.ts';
import { DockerGateway } from '../../src/infra/docker/index.ts';
import type { JobQueue } from '../../src/jobs/index.ts';
import { ensureSetupToken } from '../../src/core/identity/setup.ts';
import { testDatabase, type TestDatabase } from './db.ts';
import { testProbes } from './probes.ts';

export interface TestApp {
  api: Api;
  ctx: AppContext;
  db: TestDatabase;
  dataDir: string;
  setupToken: string;
  queue: JobQueue;
  platform: Platform;
  close(): Promise<void>;
}

export async function testApp(opts: BuildApiOptions & { env?: Record<string, string>; realProxyProbe?: boolean } = {}): Promise<TestApp> {
  const db = await testDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-test-'));
  const config = loadConfig({ BERTH_DATA_DIR: dataDir, BERTH_LOG_LEVEL: 'silent', BERTH_DNS_PORT: '0', ...opts.env });
  const bus = new MemoryBus();
  const { ctx, queue, platform } = composeContext({
    config,
    database: db,
    bus,
    secrets: new SecretBox(randomBytes(32)),
    docker: new DockerGateway({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' }),
    log: pino({ level: 'silent' }),
    proxyLabels: { 'berth.test': 'true' },
  });
  if (!opts.realProxyProbe) ctx.probes = testProbes();
  const setup = await ensureSetupToken(db.db, dataDir);
  const api = await buildApi(ctx, opts);
  return {
    api,
    ctx,
    db,
    dataDir,
    setupToken: setup!.token,
    queue,
    platform,
    async close() {
      await api.close();
      await platform.stopDns();
      await bus.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
