// Builds a real API over a fresh test database: real PostgreSQL, real argon2, real cookies.
// Health probes talk to the real Docker engine when one is reachable (see test/support/probes.ts).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { AppContext } from '../../src/app/context.ts';
import { loadConfig } from '../../src/config/config.ts';
import { buildApi, type Api, type BuildApiOptions } from '../../src/api/server.ts';
import { MemoryBus } from '../../src/infra/bus/memory.ts';
import { SecretBox } from '../../src/infra/crypto/secretbox.ts';
import { EnvVars } from '../../src/core/services/env-vars.ts';
import { createJobsFacade } from '../../src/jobs/facade.ts';
import { ensureSetupToken } from '../../src/core/identity/setup.ts';
import { testDatabase, type TestDatabase } from './db.ts';
import { testProbes } from './probes.ts';

export interface TestApp {
  api: Api;
  ctx: AppContext;
  db: TestDatabase;
  dataDir: string;
  setupToken: string;
  close(): Promise<void>;
}

export async function testApp(opts: BuildApiOptions & { env?: Record<string, string> } = {}): Promise<TestApp> {
  const db = await testDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-test-'));
  const config = loadConfig({ BERTH_DATA_DIR: dataDir, BERTH_LOG_LEVEL: 'silent', ...opts.env });
  const secrets = new SecretBox(randomBytes(32));
  const bus = new MemoryBus();
  const ctx: AppContext = {
    config,
    database: db,
    bus,
    secrets,
    envVars: new EnvVars(secrets),
    probes: testProbes(),
    jobs: createJobsFacade({ pool: db.pool, bus }),
    log: pino({ level: 'silent' }),
  };
  const setup = await ensureSetupToken(db.db, dataDir);
  const api = await buildApi(ctx, opts);
  return {
    api,
    ctx,
    db,
    dataDir,
    setupToken: setup!.token,
    async close() {
      await api.close();
      await bus.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
