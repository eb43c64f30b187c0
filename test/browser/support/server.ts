// A real Berth API + dashboard on a free loopback port for browser tests: testApp() (fresh database,
// real PostgreSQL, real Docker gateway, wired like `berth server`) listening on 127.0.0.1:0, serving the
// built dashboard from web/dist. The dashboard is (re)built first when web/ changed since the last build.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

/** Builds web/dist unless it is newer than every source under web/ (argv only, no shell). */
export function ensureDashboardBuilt(): void {
  const index = join(WEB, 'dist', 'index.html');
  const sources = Math.max(newestMtime(join(WEB, 'src')), newestMtime(join(WEB, 'index.html')), newestMtime(join(WEB, 'vite.config.ts')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(WEB, 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
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
