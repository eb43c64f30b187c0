// The dashboard with many services, measured in real Chromium on this machine (figures printed, never
// asserted against a speed target — the structure is asserted): a project with 200 services in
// production and 500 in staging. Measures navigation → service page interactive (cold, 5 runs), a click
// from the list to a service, the project page with 500 services (virtualized: only the rows on screen
// are in the DOM, the last one is reachable by scrolling, the longest frame while scrolling), and the
// server's RSS while 5 tabs follow the live logs of a chatty service (this test process is the server),
// and a killed container reaching the organisation's event stream as a status event.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Worker } from '../../src/jobs/index.ts';
import { projectNetworkName } from '../../src/plan/app-service.ts';
import { setupOwner, type Client } from '../support/client.ts';
import { removeNetworkEventually } from '../support/docker-cleanup.ts';
import { newPage, openBrowser, startServer, type DashboardServer } from './support/index.ts';

const PROJECT = '/api/orgs/acme/projects/big';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

describe('dashboard at scale (200 and 500 services, 5 tabs following logs)', { timeout: 900_000 }, () => {
  let server: DashboardServer;
  let browser: Browser;
  let owner: Client;
  const figures: Record<string, unknown> = {};

  /** A browser page signed in as the owner (the API client's session cookies). */
  async function signedInPage(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const p = await newPage(browser, { baseURL: server.url });
    await p.context.addCookies([...owner.cookies].map(([name, value]) => ({ name, value, url: server.url })));
    return p;
  }
  async function seed(env: string, count: number) {
    for (let i = 0; i < count; i++) {
      const name = `svc-${String(i).padStart(3, '0')}`;
      const spec = { source: { type: 'image', image: 'berth/test-http:latest' }, port: 8080, replicas: 1 + (i % 3) };
      const res = await owner.post(`${PROJECT}/environments/${env}/services`, { name, kind: 'app', spec });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  }

  before(async () => {
    server = await startServer();
    owner = await setupOwner(server.t.api, server.t.setupToken);
    assert.equal((await owner.patch('/api/settings', { domain: 'apps.example.test' })).status, 200);
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'big' })).status, 201);
    assert.equal((await owner.post(`${PROJECT}/environments`, { name: 'staging' })).status, 201);
    const started = performance.now();
    await seed('production', 200);
    await seed('staging', 500);
    console.log(`# seeded 700 services through the API in ${Math.round(performance.now() - started)} ms`);
    browser = await openBrowser();
  });

  after(async () => {
    console.log(`# figures: ${JSON.stringify(figures)}`);
    await browser?.close();
    await server?.close();
  });

  it('service page interactive after a cold navigation, with 200 services in the project', async () => {
    const url = '/orgs/acme/projects/big/env/production/services/svc-100';
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { context, page, errors } = await signedInPage();
      await page.goto(url);
      // Interactive: the header with its live state, the tabs, and an enabled Deploy button.
      await page.locator('.page-header h1 [data-state]').waitFor();
      await page.getByRole('navigation', { name: 'Service' }).waitFor();
      await page.getByRole('button', { name: 'Deploy' }).isEnabled();
      await page.getByTestId('replicas').waitFor();
      runs.push(await page.evaluate(() => performance.now()));
      assert.deepEqual(errors, []);
      await context.close();
    }
    figures.servicePageColdMs = { median: Math.round(median(runs)), max: Math.round(Math.max(...runs)), runs: runs.map(Math.round) };
    console.log(`# service page interactive (cold navigation, 200 services in the project): median ${Math.round(median(runs))} ms, runs ${runs.map(Math.round).join(', ')}`);
    assert.ok(Math.max(...runs) < 30_000);
  });

  it('from the list of 200 to a service page (client-side navigation)', async () => {
    const { context, page } = await signedInPage();
    await page.goto('/orgs/acme/projects/big/env/production');
    await page.locator('[data-service="svc-000"]').waitFor();
    const listMs = await page.evaluate(() => performance.now());
    const rows = await page.locator('.service-row').count();
    assert.ok(rows < 60, `virtualized: ${rows} rows in the DOM for 200 services`);
    const runs: number[] = [];
    for (const name of ['svc-003', 'svc-007', 'svc-011']) {
      await page.goto('/orgs/acme/projects/big/env/production');
      await page.locator(`[data-service="${name}"]`).waitFor();
      const t0 = await page.evaluate(() => performance.now());
      await page.locator(`[data-service="${name}"] a`).first().click();
      await page.getByTestId('replicas').waitFor();
      await page.locator('.page-header h1 [data-state]').waitFor();
      runs.push((await page.evaluate(() => performance.now())) - t0);
    }
    figures.projectListColdMs = Math.round(listMs);
    figures.listToServiceMs = { median: Math.round(median(runs)), runs: runs.map(Math.round) };
    console.log(`# project page (200 services) listed after ${Math.round(listMs)} ms; list → service page ${runs.map(Math.round).join(', ')} ms`);
    await context.close();
  });

  it('500 services: only the visible rows are rendered, the last is reachable, scrolling stays smooth', async () => {
    const { context, page, errors } = await signedInPage();
    await page.goto('/orgs/acme/projects/big/env/staging');
    await page.locator('[data-service="svc-000"]').waitFor();
    const listedMs = await page.evaluate(() => performance.now());
    assert.match(await page.locator('.service-list-bar').innerText(), /500 of 500 services/);
    const rows = await page.locator('.service-row').count();
    assert.ok(rows < 60, `virtualized: ${rows} rows in the DOM for 500 services`);
    // Scroll through the whole list in steps, one per frame, and record the longest frame.
    const longestFrame = await page.evaluate(async () => {
      const g = globalThis as unknown as {
        document: { querySelector(s: string): { scrollTop: number; scrollHeight: number; clientHeight: number } };
        requestAnimationFrame(cb: (t: number) => void): void;
      };
      const el = g.document.querySelector('[data-testid="service-list"]');
      let last = 0;
      let longest = 0;
      const steps = 60;
      for (let i = 1; i <= steps; i++) {
        el.scrollTop = ((el.scrollHeight - el.clientHeight) * i) / steps;
        const t = await new Promise<number>((r) => g.requestAnimationFrame(r));
        if (last) longest = Math.max(longest, t - last);
        last = t;
      }
      return longest;
    });
    await page.locator('[data-service="svc-499"]').waitFor();
    assert.ok((await page.locator('.service-row').count()) < 60);
    // The filter narrows 500 to the matching ones.
    await page.getByLabel('Filter services').fill('svc-49');
    await page.locator('[data-service="svc-499"]').waitFor();
    assert.match(await page.locator('.service-list-bar').innerText(), /10 of 500 services/);
    figures.list500 = { listedMs: Math.round(listedMs), domRows: rows, longestScrollFrameMs: Math.round(longestFrame) };
    console.log(`# 500 services: listed after ${Math.round(listedMs)} ms, ${rows} rows in the DOM, longest frame while scrolling ${Math.round(longestFrame)} ms`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('server RSS while 5 tabs follow live logs', async () => {
    const worker: Worker = server.t.queue.createWorker({ concurrency: 1, leaseSeconds: 10 });
    await worker.start();
    const chatty = `${PROJECT}/environments/production/services/chatty`;
    try {
      const spec = {
        source: { type: 'image', image: 'berth/node:20' },
        command: ['node', '-e', "let n = 0; setInterval(() => console.log('tick', ++n, new Date().toISOString()), 100)"],
      };
      assert.equal((await owner.post(`${PROJECT}/environments/production/services`, { name: 'chatty', kind: 'app', spec })).status, 201);
      const d = await owner.post(`${chatty}/deployments`);
      assert.equal(d.status, 202);
      for (let i = 0; ; i++) {
        const s = (await owner.get(`${chatty}/deployments/${d.body.id}`)).body as { status: string; reason: string | null };
        if (s.status === 'succeeded') break;
        assert.ok(!['failed', 'cancelled'].includes(s.status), `deploy ${s.status}: ${s.reason}`);
        assert.ok(i < 600, 'deploy took too long');
        await delay(300);
      }
      await delay(2000);
      const before = process.memoryUsage().rss;
      const tabs = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const p = await signedInPage();
          await p.page.goto('/orgs/acme/projects/big/env/production/services/chatty/logs');
          return p;
        }),
      );
      for (const { page } of tabs) await page.getByTestId('runtime-log').getByText(/tick \d+/).first().waitFor({ timeout: 60_000 });
      let peak = 0;
      const samples: number[] = [];
      for (let i = 0; i < 30; i++) {
        const rss = process.memoryUsage().rss;
        samples.push(rss);
        peak = Math.max(peak, rss);
        await delay(500);
      }
      const counts = await Promise.all(tabs.map(({ page }) => page.locator('[data-testid="runtime-log"] .log-line').count()));
      assert.ok(counts.every((c) => c > 50), `every tab keeps receiving lines: ${counts.join(', ')}`);
      figures.rssFiveLogTabs = { beforeMiB: mib(before), peakMiB: mib(peak), medianMiB: mib(median(samples)), linesPerTab: counts };
      console.log(`# server RSS (this test process: API + workers + the test's own Playwright client): ${mib(before)} MiB before, median ${mib(median(samples))} MiB / peak ${mib(peak)} MiB while 5 tabs follow logs (${counts.join(', ')} lines each)`);
      for (const { context } of tabs) await context.close();

      // A container dying (not a deploy) reaches the organisation's event stream as a status event.
      const events = new AbortController();
      const seen: string[] = [];
      const res = await fetch(`${server.url}/api/orgs/acme/events`, { headers: { cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, signal: events.signal });
      const reading = (async () => {
        const decoder = new TextDecoder();
        try {
          for await (const chunk of res.body!) seen.push(decoder.decode(chunk as Uint8Array));
        } catch {
          /* aborted */
        }
      })();
      await delay(500);
      const release = ((await owner.get(`${chatty}/status`)).body as { current: { releaseName: string } }).current.releaseName;
      const [task] = await server.t.ctx.docker.serviceTasks(release, { desiredState: 'running' });
      assert.ok(task?.containerId);
      await promisify(execFile)('docker', ['kill', task.containerId]);
      const deadline = Date.now() + 20_000;
      while (!/event: status\ndata: \{[^\n]*"name":"chatty"/.test(seen.join('')) && Date.now() < deadline) await delay(200);
      events.abort();
      await reading;
      assert.match(seen.join(''), /event: status\ndata: \{[^\n]*"name":"chatty"/, 'a status event after the container died');
    } finally {
      await worker.stop({ graceMs: 1000 });
      const id = ((await owner.get(chatty)).body as { id?: string }).id;
      if (id) for (const s of await server.t.ctx.docker.listServices({ labels: { 'berth.service': id } })) await server.t.ctx.docker.removeService(s.name).catch(() => undefined);
      const projectId = ((await owner.get(PROJECT)).body as { id?: string }).id;
      if (projectId) await removeNetworkEventually(server.t.ctx.docker, projectNetworkName(projectId)).catch(() => undefined);
    }
  });
});
