// A real Berth API + dashboard on a free loopback port for browser tests: testApp() (fresh database,
// real PostgreSQL, real Docker gateway, wired like `berth server`) listening on 127.0.0.1:0, serving the
// built dashboard from web/dist. The dashboard is (re)built first when web/ changed since the last build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testApp, type TestApp } from '../../support/app.ts';
import type { BuildApiOptions } from '../../../src/api/server.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WEB = join(ROOT, 'web');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function isStale(): boolean {
  const index = join(WEB, 'dist', 'index.html');
  const sources = Math.max(newestMtime(join(WEB, 'src')), newestMtime(join(WEB, 'index.html')), newestMtime(join(WEB, 'vite.config.ts')));
  return !existsSync(index) || statSync(index).mtimeMs < sources;
}

/**
 * Builds web/dist unless it is newer than every source under web/ (argv only, no shell). Test files
 * running at the same time build one after the other (a lock directory), and the build keeps the old
 * hashed assets (BERTH_WEB_KEEP_ASSETS=1) so a server started earlier still finds the files its
 * index.html names.
 */
export function ensureDashboardBuilt(): void {
  if (!isStale()) return;
  const lock = join(ROOT, '.cache', 'web-build.lock');
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 3 minutes belongs to a build that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`another dashboard build holds ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!isStale()) return;
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(WEB, 'vite.config.ts'), '--logLevel', 'warn'],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, BERTH_WEB_KEEP_ASSETS: '1' } },
    );
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface DashboardServer {
  /** http://127.0.0.1:<port> */
  url: string;
  t: TestApp;
  close(): Promise<void>;
}

export async function startServer(opts: BuildApiOptions & { env?: Record<string, string> } = {}): Promise<DashboardServer> {
  ensureDashboardBuilt();
  const t = await testApp(opts);
  const address = await t.api.listen({ port: 0, host: '127.0.0.1' });
  return { url: address.replace('localhost', '127.0.0.1'), t, close: () => t.close() };
}
