// The whole journey in real Chromium against a real server, real dockerd + Swarm + Caddy and a local git
// repository: setup with the token → create a project → create an app from the repository → it deploys
// (live build-log lines appear) → status turns running → a domain answers through the ingress → change
// an environment variable and redeploy (the app sees it) → roll back (the old version answers) → stop →
// delete (the domain stops answering, the Swarm release is gone). Error paths: an invalid hostname shows
// the API's message next to the field; a failing build shows its error on the deployment. Every form
// passes axe; screenshots of the main pages go to test/browser/screenshots/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Worker } from '../../src/jobs/index.ts';
import { projectNetworkName } from '../../src/plan/app-service.ts';
import { hostname } from '../../src/core/system/settings.ts';
import { removeNetworkEventually } from '../support/docker-cleanup.ts';
import { TestRepo } from '../support/git-repo.ts';
import { getWithHost } from '../support/host-request.ts';
import { freeHostPort } from '../support/ports.ts';
import { checkA11y, newPage, openBrowser, screenshot, startServer, until, type DashboardServer } from './support/index.ts';

const run = randomBytes(3).toString('hex');
const HOST = `web-${run}.example.test`;
const BASE_DOMAIN = `apps-${run}.example.test`;
const DEFAULT_HOST = `web-shop.${BASE_DOMAIN}`;
const PASSWORD = 'correct horse battery staple';
const SVC_API = '/api/orgs/acme/projects/shop/environments/production/services';

describe('dashboard journey: from setup to a deleted app, through real Docker and Caddy', { timeout: 900_000 }, () => {
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let worker: Worker;
  let repo: TestRepo;
  let httpPort: number;

  /** GET through the proxy's published port with a chosen Host header (fetch() cannot set one). */
  const viaProxy = (hostHeader: string) => getWithHost(httpPort, hostHeader);
  const served = async () => {
    const res = await viaProxy(HOST);
    return res.status === 200 ? (JSON.parse(res.body) as { version: string; greeting: string | null }) : undefined;
  };
  /** The state badge in the service page's header. */
  const headerState = () => page.locator('.page-header h1 [data-state]').getAttribute('data-state', { timeout: 1000 });
  const waitHeaderState = (state: string, timeoutMs = 240_000) => until(`the service to be ${state}`, async () => (await headerState()) === state, timeoutMs);
  /** The newest deployment row's status, as the deployments tab shows it. */
  const newestStatus = () => page.locator('table.deployments tbody tr').first().getAttribute('data-status', { timeout: 1000 });
  const tab = async (name: string) => {
    await page.getByRole('navigation', { name: 'Service' }).getByRole('link', { name }).click();
  };

  before(async () => {
    const taken: number[] = [];
    httpPort = await freeHostPort(31000, 32000);
    taken.push(httpPort);
    server = await startServer({
      env: {
        BERTH_PROXY_SERVICE: `bj-${run}-proxy`,
        BERTH_PROXY_HTTP_PORT: String(httpPort),
        BERTH_PROXY_HTTPS_PORT: String(await freeHostPort(31000, 32000, taken)),
        BERTH_PROXY_IMAGE: process.env.BERTH_PROXY_IMAGE ?? 'berth/caddy:2',
        BERTH_BUILD_CPUS: '1',
        BERTH_BUILD_MEMORY_MB: '512',
      },
    });
    await server.t.platform.start();
    worker = server.t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
    await worker.start();
    repo = await TestRepo.create();
    // A branch whose build fails, for the error path.
    await repo.git('checkout', '--quiet', '-b', 'broken');
    await repo.commit('broken', 'a build that fails', { Dockerfile: 'FROM berth/node:20\nRUN echo "compiling…" && exit 3\n' });
    await repo.git('checkout', '--quiet', 'main');
    browser = await openBrowser();
    ({ page, errors } = await newPage(browser, { baseURL: server.url }));
  });

  after(async () => {
    await browser?.close();
    await worker?.stop({ graceMs: 1000 });
    const t = server?.t;
    if (t) {
      const docker = t.ctx.docker;
      for (const { id } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM services')).rows) {
        for (const s of await docker.listServices({ labels: { 'berth.service': id } })) await docker.removeService(s.name).catch(() => undefined);
      }
      await docker.removeService(`bj-${run}-proxy`).catch(() => undefined);
      for (const { id } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM projects')).rows) {
        await removeNetworkEventually(docker, projectNetworkName(id)).catch(() => undefined);
      }
    }
    await server?.close();
    repo?.remove();
  });

  it('setup with the one-time token, then create a project', async () => {
    await page.goto('/');
    await page.waitForURL('**/setup');
    await page.getByLabel('Setup token').fill(server.t.setupToken);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Organisation').fill('acme');
    await page.getByRole('button', { name: 'Create owner' }).click();
    await page.waitForURL('**/orgs/acme');
    // The base domain (an instance setting made at install time): web services get <service>-<project>.<base>.
    const cookies0 = Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c.value]));
    const set = await server.t.api.inject({ method: 'PATCH', url: '/api/settings', cookies: cookies0, headers: { 'x-csrf-token': cookies0.berth_csrf! }, payload: { domain: BASE_DOMAIN } });
    assert.equal(set.statusCode, 200, set.body);

    await page.getByLabel('Name', { exact: true }).fill('shop');
    await page.getByRole('button', { name: /create project/i }).click();
    await page.getByRole('link', { name: 'shop' }).first().click();
    await page.waitForURL('**/orgs/acme/projects/shop/env/production');
    await page.getByText('No services in production yet').waitFor();
    await checkA11y(page);
    await screenshot(page, 'journey-project-empty');
  });

  it('creates an app from the local git repository: it builds with live log lines and turns running', async () => {
    await page.getByRole('link', { name: 'New service' }).click();
    await page.getByRole('heading', { name: 'New service' }).waitFor();
    await checkA11y(page);
    await page.getByLabel('Name', { exact: true }).fill('web');
    await page.getByLabel('Repository', { exact: true }).fill(repo.dir);
    await page.getByLabel('Port', { exact: true }).fill('8080');
    await screenshot(page, 'journey-new-service');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.waitForURL('**/services/web/deployments');

    // Lines arrive while the deployment runs (before it ends): the log is live, not loaded at the end.
    const log = page.getByTestId('build-log');
    await until('build lines while the deployment runs', async () => {
      const text = await log.innerText({ timeout: 1000 });
      const status = await newestStatus();
      return /fetch|clone|build|Step/i.test(text) && (status === 'running' || status === 'queued');
    });
    await screenshot(page, 'journey-build-log-live');
    await until('the deployment to succeed', async () => (await newestStatus()) === 'succeeded');
    await waitHeaderState('running');
    await checkA11y(page);
    await screenshot(page, 'journey-deployments');

    await tab('Overview');
    await page.getByTestId('replicas').getByText('1/1 healthy').waitFor();
    await screenshot(page, 'journey-overview-running');
    webServiceId = ((await apiGet(`${SVC_API}/web`)) as { id: string }).id;
  });

  it('domains: the default domain answers; an invalid hostname shows the API message next to the field; a new one answers through the ingress', async () => {
    await tab('Domains');
    await page.getByRole('heading', { name: 'Add a domain' }).waitFor();
    const defaultRow = page.locator(`tr[data-domain="${DEFAULT_HOST}"]`);
    await defaultRow.getByText('default').waitFor();
    assert.equal(await defaultRow.locator('a').getAttribute('href'), `http://${DEFAULT_HOST}/`);
    const viaDefault = await until('the default domain to answer', async () => {
      const r = await viaProxy(DEFAULT_HOST);
      return r.status === 200 ? (JSON.parse(r.body) as { version: string }) : undefined;
    }, 30_000);
    assert.equal(viaDefault.version, 'v1');
    await checkA11y(page);
    await page.getByLabel('Host', { exact: true }).fill('not a host!');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const fieldError = page.locator('[data-field-error="host"]');
    await fieldError.waitFor();
    // Exactly the API's own message for that field.
    const expected = hostname.safeParse('not a host!').error?.issues[0]?.message;
    assert.ok(expected);
    assert.equal(await fieldError.innerText(), expected);
    assert.equal(await page.getByLabel('Host', { exact: true }).getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'journey-domain-invalid');

    await page.getByLabel('Host', { exact: true }).fill(HOST);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.locator(`tr[data-domain="${HOST}"]`).waitFor();
    const link = page.locator(`tr[data-domain="${HOST}"] a`);
    assert.equal(await link.getAttribute('href'), `http://${HOST}/`);
    const body = await until('the new domain to answer through Caddy', served, 30_000);
    assert.equal(body.version, 'v1');
    await screenshot(page, 'journey-domains');
  });

  it('environment: a pasted .env file, reviewed as a diff, saved (the secret stays masked until revealed); two redeploys: the second waits with its queue position; the app sees the variable', async () => {
    await repo.commit('v2', 'v2');
    await tab('Environment');
    await page.getByRole('textbox', { name: 'Paste a .env file' }).fill('# from my laptop\nGREETING="hello from the dashboard"\nexport API_TOKEN=tok-123\n');
    await page.getByRole('button', { name: 'Merge into the list' }).click();
    await page.getByRole('button', { name: 'Review changes' }).click();
    const diff = page.getByTestId('env-diff');
    await diff.waitFor();
    const text = await diff.innerText();
    assert.match(text, /GREETING\s+added "hello from the dashboard"/);
    assert.match(text, /API_TOKEN\s+added secret, hidden value/);
    assert.doesNotMatch(text, /tok-123/, 'the diff never shows a secret');
    await checkA11y(page);
    await screenshot(page, 'journey-env-diff');
    await page.getByRole('button', { name: 'Save changes' }).click();

    const token = page.locator('.env-row[data-env-key="API_TOKEN"]').getByLabel('Value');
    await until('the saved secret to be masked', async () => (await token.getAttribute('type', { timeout: 1000 })) === 'password' && (await token.inputValue()) === '', 10_000);
    await page.getByRole('button', { name: 'Reveal API_TOKEN' }).click();
    await until('the revealed secret', async () => (await token.inputValue()) === 'tok-123', 10_000);

    // Redeploy, then at once again: jobs of one service never overlap, so the second waits its turn.
    await page.getByRole('button', { name: 'Redeploy to apply' }).click();
    await page.waitForURL('**/services/web/deployments');
    await until('the first redeploy to be listed', async () => (await page.locator('table.deployments tbody tr').count()) === 2, 10_000);
    await page.getByRole('button', { name: 'Redeploy', exact: true }).click();
    const position = page.getByTestId('queue-position').first();
    await position.waitFor();
    assert.match(await position.innerText(), /#\d+ in queue/);
    await screenshot(page, 'journey-queued');
    await until('both redeploys to succeed', async () => {
      const statuses = await page.locator('table.deployments tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
      return statuses.length === 3 && statuses.every((st) => st === 'succeeded');
    });
    const body = await until('v2 with the new variable', async () => {
      const b = await served();
      return b?.version === 'v2' && b.greeting === 'hello from the dashboard' ? b : undefined;
    }, 60_000);
    assert.equal(body.greeting, 'hello from the dashboard');
  });

  it('rolls back to the first deployment (kept image, no build): v1 answers again', async () => {
    const first = page.locator('table.deployments tbody tr').last();
    await first.getByRole('button', { name: 'Roll back to this' }).click();
    await until('the rollback to be listed', async () => (await page.locator('table.deployments tbody tr').count()) === 4);
    await until('the rollback to succeed', async () => (await newestStatus()) === 'succeeded');
    await until('v1 to answer again', async () => (await served())?.version === 'v1', 60_000);
    const text = await page.getByTestId('build-log').innerText();
    assert.match(text, /no build/);
    await screenshot(page, 'journey-rolled-back');
  });

  it('runtime logs follow the live release', async () => {
    await tab('Logs');
    await until('the app output', async () => /listening on :8080/.test(await page.getByTestId('runtime-log').innerText({ timeout: 1000 })), 60_000);
    await checkA11y(page);
    await page.getByLabel('Search').fill('listening');
    assert.match(await page.getByTestId('runtime-log').innerText(), /listening/);
    await page.getByRole('button', { name: 'Pause' }).click();
    assert.equal(await page.getByTestId('logs-state').innerText(), 'paused');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    assert.match(readFileSync((await download.path())!, 'utf8'), /listening on :8080/);
    await page.getByRole('button', { name: /^Resume/ }).click();
    await screenshot(page, 'journey-runtime-logs');
  });

  it('settings and the danger zone pass axe; stop scales to 0; delete needs the typed name and removes everything', async () => {
    await tab('Settings');
    await page.getByRole('heading', { name: 'Scaling and resources' }).waitFor();
    await checkA11y(page);
    await screenshot(page, 'journey-settings');

    // The project's list in another tab follows the status live (no reload).
    const list = await page.context().newPage();
    await list.goto('/orgs/acme/projects/shop/env/production');
    const row = list.locator('[data-service="web"]');
    await until('the list to show web running', async () => (await row.locator('[data-state]').getAttribute('data-state', { timeout: 1000 })) === 'running', 30_000);
    assert.match(await row.innerText(), /1\/1/);
    assert.match(await row.innerText(), new RegExp(DEFAULT_HOST.replace(/\./g, '\\.')));
    await screenshot(list, 'journey-project-list');

    await tab('Danger zone');
    await checkA11y(page);
    await page.getByRole('button', { name: 'Stop service' }).click();
    await waitHeaderState('stopped', 120_000);
    await until('the list to show web stopped without a reload', async () => (await row.locator('[data-state]').getAttribute('data-state', { timeout: 1000 })) === 'stopped', 30_000);
    assert.match(await row.innerText(), /0\/0/);
    await list.close();
    await until('no task left', async () => {
      const status = (await apiGet(`${SVC_API}/web/status`)) as { replicas: { healthy: number; desired: number } };
      return status.replicas.desired === 0 && status.replicas.healthy === 0;
    }, 60_000);
    await screenshot(page, 'journey-danger-zone');

    const del = page.getByRole('button', { name: 'Delete service' });
    assert.equal(await del.isDisabled(), true, 'delete waits for the typed name');
    await page.getByLabel('Type web to confirm').fill('web');
    await del.click();
    await page.waitForURL('**/orgs/acme/projects/shop/env/production');
    await page.getByText('No services in production yet').waitFor();
    const releases = await server.t.ctx.docker.listServices({ labels: { 'berth.service': webServiceId } });
    assert.deepEqual(releases, [], 'the Swarm release is removed with the service');
    // Its images too, once Swarm has removed the releases' exited containers.
    await until('the built images to be removed with the service', async () => (await server.t.ctx.docker.listServiceImages(webServiceId)).length === 0, 30_000);
    await until('the domain to stop answering', async () => (await viaProxy(HOST)).status === 404, 30_000);
  });

  it('a failing build shows its error on the deployment', async () => {
    await page.getByRole('link', { name: 'New service' }).click();
    await page.getByLabel('Name', { exact: true }).fill('broken');
    await page.getByLabel('Repository', { exact: true }).fill(repo.dir);
    await page.getByLabel('Branch or tag').fill('broken');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.waitForURL('**/services/broken/deployments');
    await until('the deployment to fail', async () => (await newestStatus()) === 'failed');
    const reason = page.getByTestId('deployment-reason').first();
    await reason.waitFor();
    assert.match(await reason.innerText(), /exit|code 3|returned a non-zero/i);
    await page.getByTestId('deployment-error').waitFor();
    assert.match(await page.getByTestId('build-log').innerText(), /compiling/);
    await waitHeaderState('failed', 30_000);
    await screenshot(page, 'journey-failed-build');
    assert.deepEqual(errors, []);
  });

  let webServiceId = '';
  /** A GET with the browser's session (reads what the page cannot show, e.g. the service id). */
  async function apiGet(url: string): Promise<unknown> {
    const cookies = Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c.value]));
    const res = await server.t.api.inject({ method: 'GET', url, cookies });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  }
});
