// Dashboard figures against a real `berth server` process (compiled build, embedded PostgreSQL, the
// installer's node flag and malloc setting, ingress off) driven by Debian's Chromium:
// - navigation → service page interactive (header state, tabs, Deploy enabled, replicas shown) with 200
//   services in the project, cold (fresh browser context each run);
// - the server's RSS idle, and while 5 tabs (5 browser contexts, as 5 users) follow the live logs of a
//   service printing 10 lines a second.
// Written to bench/results/dashboard.json. `npm run bench dashboard` (builds first).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { projectNetworkName } from '../src/plan/app-service.ts';
import { DockerGateway } from '../src/infra/docker/index.ts';
import { removeNetworkEventually } from '../test/support/docker-cleanup.ts';
import { memoryOf, mib, spawnServer } from './proc.ts';

const PASSWORD = 'correct horse battery staple';
const SERVICES = Number(process.env.BENCH_SERVICES ?? 200);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A cookie-keeping JSON client of the server, like the dashboard (session cookie + x-csrf-token). */
class Session {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body !== undefined || method !== 'GET') headers['content-type'] = 'application/json';
    const csrf = this.cookies.get('berth_csrf');
    if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
    const res = await fetch(this.base + path, { method, headers, body: method === 'GET' ? undefined : JSON.stringify(body ?? {}) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      if (k && v !== undefined) this.cookies.set(k.trim(), v);
    }
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
  async ok(method: string, path: string, body?: unknown, expect = [200, 201, 202]) {
    const r = await this.call(method, path, body);
    if (!expect.includes(r.status)) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

async function startServer(env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  const child = spawnServer(env);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`berth server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).status === 200) return child;
    } catch {
      /* not listening yet */
    }
    await delay(50);
  }
}

async function signedIn(browser: Browser, base: string, s: Session): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
  await context.addCookies([...s.cookies].map(([name, value]) => ({ name, value, url: base })));
  return context;
}

export async function dashboardBench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-dash-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, BERTH_DATA_DIR: dataDir, BERTH_PORT: String(port), BERTH_HOST: '127.0.0.1', BERTH_LOG_LEVEL: 'warn', BERTH_INGRESS: 'false', BERTH_EMBEDDED_PG_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const server = await startServer(env, port);
  const args = ['--disable-dev-shm-usage', '--disable-gpu', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
  const browser = await chromium.launch({ executablePath: process.env.BERTH_TEST_CHROMIUM ?? '/usr/bin/chromium', headless: true, args });
  const s = new Session(base);
  let projectId: string | undefined;
  try {
    const token = readFileSync(join(dataDir, 'setup-token'), 'utf8').trim();
    await s.ok('POST', '/api/setup', { token, name: 'alice', email: 'alice@example.com', password: PASSWORD, organization: 'acme' });
    await s.ok('PATCH', '/api/settings', { domain: 'apps.example.test' });
    projectId = (await s.ok('POST', '/api/orgs/acme/projects', { name: 'big' })).id as string;
    const envUrl = '/api/orgs/acme/projects/big/environments/production';
    for (let i = 0; i < SERVICES; i++) {
      await s.ok('POST', `${envUrl}/services`, { name: `svc-${String(i).padStart(3, '0')}`, kind: 'app', spec: { source: { type: 'image', image: 'berth/test-http:latest' }, port: 8080 } });
    }
    // A chatty service (no port: not routed, so no ingress needed) deployed by the server's own worker.
    const spec = { source: { type: 'image', image: 'berth/node:20' }, command: ['node', '-e', "let n = 0; setInterval(() => console.log('tick', ++n, new Date().toISOString()), 100)"] };
    await s.ok('POST', `${envUrl}/services`, { name: 'chatty', kind: 'app', spec });
    const d = await s.ok('POST', `${envUrl}/services/chatty/deployments`);
    for (let i = 0; ; i++) {
      const got = await s.ok('GET', `${envUrl}/services/chatty/deployments/${d.id as string}`);
      if (got.status === 'succeeded') break;
      if (got.status === 'failed' || got.status === 'cancelled' || i > 600) throw new Error(`chatty: ${String(got.status)} ${String(got.reason)}`);
      await delay(300);
    }

    const runs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const context = await signedIn(browser, base, s);
      const page = await context.newPage();
      await page.goto(`/orgs/acme/projects/big/env/production/services/svc-${String(100 + i).padStart(3, '0')}`);
      await page.locator('.page-header h1 [data-state]').waitFor();
      await page.getByRole('navigation', { name: 'Service' }).waitFor();
      await page.getByTestId('replicas').waitFor();
      await page.getByRole('button', { name: 'Deploy' }).isEnabled();
      runs.push(await page.evaluate(() => performance.now()));
      await context.close();
    }

    await delay(5000);
    const idle = memoryOf(server.pid!);
    const tabs = await Promise.all(Array.from({ length: 5 }, () => signedIn(browser, base, s)));
    const pages = await Promise.all(tabs.map(async (c) => {
      const page = await c.newPage();
      await page.goto('/orgs/acme/projects/big/env/production/services/chatty/logs');
      await page.getByTestId('runtime-log').getByText(/tick \d+/).first().waitFor({ timeout: 60_000 });
      return page;
    }));
    const samples: number[] = [];
    for (let i = 0; i < 40; i++) {
      samples.push(memoryOf(server.pid!).rssKiB);
      await delay(500);
    }
    const lines = await Promise.all(pages.map((p) => p.locator('[data-testid="runtime-log"] .log-line').count()));
    for (const c of tabs) await c.close();

    const result = {
      at: new Date().toISOString(),
      node: process.version,
      servicesInProject: SERVICES,
      servicePageInteractiveColdMs: { median: Math.round(median(runs)), min: Math.round(Math.min(...runs)), max: Math.round(Math.max(...runs)), runs: runs.map(Math.round) },
      serverRssMiB: { idleAfterDeploy: mib(idle.rssKiB), fiveTabsFollowingLogsMedian: mib(median(samples)), fiveTabsFollowingLogsPeak: mib(Math.max(...samples)) },
      logLinesPerTabAfter20s: lines,
    };
    writeFileSync('bench/results/dashboard.json', JSON.stringify(result, null, 2) + '\n');
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await browser.close();
    await s.call('DELETE', '/api/orgs/acme/projects/big/environments/production/services/chatty').catch(() => undefined);
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    const docker = new DockerGateway({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
    if (projectId) await removeNetworkEventually(docker, projectNetworkName(projectId)).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
