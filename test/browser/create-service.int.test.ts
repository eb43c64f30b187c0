// The other create-service flows in real Chromium, deployed on real Docker: a Docker image (a bad
// reference is refused with the API's message next to the Image field and nothing is created) and an
// uploaded .tar.gz (built from its Dockerfile). The settings tab: a refused limit shows its message next
// to the field; "Save and redeploy" scales to 2 replicas. The pages work at 360 px (no sideways
// scrolling) and in the dark theme (axe, including contrast).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Worker } from '../../src/jobs/index.ts';
import { imageRef } from '../../src/core/services/kinds.ts';
import { projectNetworkName } from '../../src/plan/app-service.ts';
import { setupOwner, type Client } from '../support/client.ts';
import { removeNetworkEventually } from '../support/docker-cleanup.ts';
import { craftedTarGz } from '../support/tar.ts';
import { checkA11y, newPage, openBrowser, screenshot, signInAs, startServer, until, type DashboardServer } from './support/index.ts';

const FIXTURE = new URL('../fixtures/version-app/', import.meta.url).pathname;
const ENV_URL = '/api/orgs/acme/projects/apps/environments/production';

describe('dashboard: create from an image or an archive, settings, narrow and dark', { timeout: 900_000 }, () => {
  let server: DashboardServer;
  let browser: Browser;
  let owner: Client;
  let page: Page;
  let errors: string[];
  let worker: Worker;
  let dir: string;

  const newestStatus = () => page.locator('table.deployments tbody tr').first().getAttribute('data-status', { timeout: 1000 });
  const signIn = (p: Page) => signInAs(p, owner, server.url);

  before(async () => {
    server = await startServer();
    worker = server.t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
    await worker.start();
    owner = await setupOwner(server.t.api, server.t.setupToken);
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'apps' })).status, 201);
    browser = await openBrowser();
    ({ page, errors } = await newPage(browser, { baseURL: server.url }));
    await signIn(page);
    dir = mkdtempSync(join(tmpdir(), 'berth-upload-'));
  });

  after(async () => {
    await browser?.close();
    await worker?.stop({ graceMs: 1000 });
    const t = server?.t;
    if (t) {
      for (const { id } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM services')).rows) {
        for (const s of await t.ctx.docker.listServices({ labels: { 'berth.service': id } })) await t.ctx.docker.removeService(s.name).catch(() => undefined);
      }
      for (const { id } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM projects')).rows) {
        await removeNetworkEventually(t.ctx.docker, projectNetworkName(id)).catch(() => undefined);
      }
    }
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('from a Docker image: a bad reference shows the API message by the field and creates nothing; a good one runs', async () => {
    await page.goto('/orgs/acme/projects/apps/env/production/new');
    await page.getByRole('radio', { name: /Docker image/ }).check();
    await checkA11y(page);
    await page.getByLabel('Name', { exact: true }).fill('hello');
    await page.getByLabel('Image', { exact: true }).fill('Not A Valid Ref!!');
    await page.getByRole('button', { name: 'Create service' }).click();
    const fieldError = page.locator('[data-field-error="image"]');
    await fieldError.waitFor();
    assert.equal(await fieldError.innerText(), imageRef.safeParse('Not A Valid Ref!!').error?.issues[0]?.message);
    assert.deepEqual((await owner.get(`${ENV_URL}/services`)).body, [], 'nothing was created');
    await screenshot(page, 'create-image-invalid');

    await page.getByLabel('Image', { exact: true }).fill('berth/test-http:latest');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.waitForURL('**/services/hello/deployments');
    await until('the image deployment to succeed', async () => (await newestStatus()) === 'succeeded');
    await until('running', async () => (await page.locator('.page-header h1 [data-state]').getAttribute('data-state', { timeout: 1000 })) === 'running');
  });

  it('from an uploaded archive: built from its Dockerfile and running', async () => {
    const archive = join(dir, 'app.tar.gz');
    const files = ['Dockerfile', 'server.mjs', 'health.mjs'].map((name) => ({ name, body: readFileSync(join(FIXTURE, name), 'utf8') }));
    writeFileSync(archive, craftedTarGz([...files, { name: 'VERSION', body: 'v-upload\n' }]));
    await page.goto('/orgs/acme/projects/apps/env/production/new');
    await page.getByRole('radio', { name: /Upload an archive/ }).check();
    await checkA11y(page);
    await page.getByLabel('Name', { exact: true }).fill('upload');
    await page.getByLabel('Archive (.tar.gz)').setInputFiles(archive);
    await screenshot(page, 'create-archive');
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.waitForURL('**/services/upload/deployments');
    await until('the archive deployment to succeed', async () => (await newestStatus()) === 'succeeded');
    assert.match(await page.getByTestId('build-log').innerText(), /extract/i);
  });

  it('settings: a refused limit shows its message by the field; save and apply (no build) scales to 2 replicas; a new upload deploys new code', async () => {
    await page.getByRole('navigation', { name: 'Service' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Scaling and resources' }).waitFor();
    await page.getByLabel('Memory limit (MB)').fill('1');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const memoryError = page.locator('[data-field-error="memoryMb"]');
    await memoryError.waitFor();
    assert.match(await memoryError.innerText(), /6|small|>=/i);
    await screenshot(page, 'settings-invalid');

    await page.getByLabel('Memory limit (MB)').fill('');
    await page.getByLabel('Replicas').fill('2');
    await page.getByRole('button', { name: 'Save and apply' }).click();
    await page.waitForURL('**/services/upload/deployments');
    await until('the re-release to succeed', async () => (await page.locator('table.deployments tbody tr').count()) === 2 && (await newestStatus()) === 'succeeded');
    assert.match(await page.getByTestId('build-log').innerText(), /no build/);
    assert.equal(((await owner.get(`${ENV_URL}/services/upload`)).body as { spec: { replicas: number } }).spec.replicas, 2);
    await page.getByRole('navigation', { name: 'Service' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('replicas').getByText('2/2 healthy').waitFor({ timeout: 60_000 });

    // New code for an archive service comes with an upload: the header's button takes the file.
    const next = join(dir, 'app-2.tar.gz');
    const files = ['Dockerfile', 'server.mjs', 'health.mjs'].map((name) => ({ name, body: readFileSync(join(FIXTURE, name), 'utf8') }));
    writeFileSync(next, craftedTarGz([...files, { name: 'VERSION', body: 'v-upload-2\n' }]));
    await page.locator('.page-header input[type="file"]').setInputFiles(next);
    await page.waitForURL('**/services/upload/deployments');
    await until('the uploaded code to deploy', async () => (await page.locator('table.deployments tbody tr').count()) === 3 && (await newestStatus()) === 'succeeded');
    assert.deepEqual(errors, []);
  });

  it('360 px wide and dark: no sideways scrolling, axe passes (contrast included)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const narrow = await newPage(browser, { baseURL: server.url, viewport: { width: 360, height: 740 }, colorScheme });
      await signIn(narrow.page);
      for (const [name, url, ready] of [
        ['project', '/orgs/acme/projects/apps/env/production', '[data-service="upload"]'],
        ['service', '/orgs/acme/projects/apps/env/production/services/upload', '[data-testid="replicas"]'],
        ['deployments', '/orgs/acme/projects/apps/env/production/services/upload/deployments', 'table.deployments'],
        ['env', '/orgs/acme/projects/apps/env/production/services/upload/env', 'form[aria-label="Environment variables"]'],
      ] as const) {
        await narrow.page.goto(url);
        await narrow.page.locator(ready).first().waitFor();
        const overflow = await narrow.page.evaluate(() => {
          const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
          return d.scrollWidth - d.clientWidth;
        });
        assert.ok(overflow <= 0, `${name} at 360 px (${colorScheme}) scrolls sideways by ${overflow} px`);
        await checkA11y(narrow.page);
        await screenshot(narrow.page, `narrow-${colorScheme}-${name}`);
      }
      assert.deepEqual(narrow.errors, []);
      await narrow.context.close();
    }
  });
});
