// The database and backup pages in real Chromium against a real server with the job worker, real
// Swarm (the locally built database images), and the test bed's s3rver: a backup destination with a
// wrong key is refused with the API's message next to the field and nothing stored, then added and
// tested; a PostgreSQL database created from the project page turns running; its credentials are
// masked until revealed; "back up now" ends verified; the backup restores into the database (typed
// confirmation, a safety backup first); a schedule with a bad cron shows the API's message by the
// field, a good one is listed. Every form passes axe and is reachable in order from the keyboard; the
// pages work at 360 px in the dark theme.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import type { Worker } from '../../src/jobs/index.ts';
import { ContainerGateway } from '../../src/infra/docker/containers.ts';
import { projectNetworkName } from '../../src/plan/app-service.ts';
import { setupOwner, type Client } from '../support/client.ts';
import { removeNetworkEventually } from '../support/docker-cleanup.ts';
import { testBucket, type TestBucket } from '../support/s3.ts';
import { checkA11y, checkFocusOrder, newPage, openBrowser, screenshot, signInAs, startServer, until as pollUntil, type DashboardServer } from './support/index.ts';

const ENV = '/api/orgs/acme/projects/data/environments/production';
const PROJECT = '/orgs/acme/projects/data/env/production';
const images = JSON.parse(process.env.BERTH_TEST_DATABASE_IMAGES ?? '{}') as Record<string, string>;

describe('dashboard: backup destinations, a PostgreSQL database, backups, restore, schedules', { timeout: 600_000 }, () => {
  let server: DashboardServer;
  let browser: Browser;
  let owner: Client;
  let page: Page;
  let errors: string[];
  let worker: Worker;
  let bucket: TestBucket;

  const until = <T,>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 180_000) => pollUntil(what, probe, timeoutMs);
  const signIn = (p: Page) => signInAs(p, owner, server.url);
  const tab = (name: string) => page.getByRole('navigation', { name: 'Database' }).getByRole('link', { name, exact: true }).click();

  before(async () => {
    server = await startServer({ env: { BERTH_DATABASE_IMAGES: JSON.stringify(images), BERTH_BACKUP_TOOLS_IMAGE: process.env.BERTH_TEST_IMAGE_BASE ?? 'berth/debian:bookworm' } });
    worker = server.t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
    await worker.start();
    owner = await setupOwner(server.t.api, server.t.setupToken);
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'data' })).status, 201);
    bucket = await testBucket();
    browser = await openBrowser();
    ({ page, errors } = await newPage(browser, { baseURL: server.url }));
    await signIn(page);
  });

  after(async () => {
    await browser?.close();
    await worker?.stop({ graceMs: 1000 });
    const t = server?.t;
    if (t) {
      const containers = new ContainerGateway({ socketPath: t.ctx.config.BERTH_DOCKER_SOCKET });
      for (const { id } of (await t.ctx.database.pool.query<{ id: string }>("SELECT id FROM services WHERE kind = 'database'")).rows) {
        const h = await t.ctx.databaseRuntime.open(id).catch(() => undefined);
        if (!h) continue;
        await t.ctx.docker.removeService(h.swarmService).catch(() => undefined);
        for (let i = 0; i < 120; i++) {
          if ((await containers.removeVolume(h.volume).catch(() => 'busy')) !== 'busy') break;
          await delay(250);
        }
      }
      for (const { id } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM projects')).rows) {
        await removeNetworkEventually(t.ctx.docker, projectNetworkName(id)).catch(() => undefined);
      }
    }
    await bucket?.drop();
    await server?.close();
  });

  it('destinations: a wrong key shows the API message by the field and stores nothing; the right one is added and tested', async () => {
    const loc = bucket.location('dash');
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Backups' }).click();
    await page.waitForURL('**/orgs/acme/backup-destinations');
    await page.getByRole('heading', { name: 'Backup destinations', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Add a destination' });
    assert.equal(await form.getByLabel('Secret access key').getAttribute('type'), 'password');
    await checkA11y(page);
    await checkFocusOrder(page, ['Endpoint', 'Region', 'Bucket', 'Prefix', 'Access key ID', 'Secret access key', /^Path-style URLs/, 'Add destination', 'Test connection'], {
      start: 'form[aria-label="Add a destination"] input[name="name"]',
    });

    await form.getByLabel('Name', { exact: true }).fill('offsite');
    await form.getByLabel('Endpoint').fill(loc.endpoint!);
    await form.getByLabel('Region').fill(loc.region);
    await form.getByLabel('Bucket').fill(loc.bucket);
    await form.getByLabel('Prefix').fill(loc.prefix);
    await form.getByLabel(/Path-style URLs/).check();
    await form.getByLabel('Access key ID').fill('NOT-A-KEY');
    await form.getByLabel('Secret access key').fill(loc.secretAccessKey);
    await form.getByRole('button', { name: 'Add destination' }).click();
    const keyError = page.locator('[data-field-error="accessKeyId"]');
    await keyError.waitFor();
    const refused = await owner.post('/api/orgs/acme/backup-destinations', { name: 'offsite', ...loc, accessKeyId: 'NOT-A-KEY' });
    assert.equal(refused.status, 400);
    assert.equal(await keyError.innerText(), refused.body.issues[0].message, 'the API message, next to the access key field');
    assert.deepEqual((await owner.get('/api/orgs/acme/backup-destinations')).body, [], 'nothing stored');
    await checkA11y(page);
    await screenshot(page, 'destinations-invalid');

    await form.getByLabel('Access key ID').fill(loc.accessKeyId);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('toast').filter({ hasText: 'The connection works' }).waitFor();
    assert.equal(await keyError.count(), 0, 'the field error is gone');
    await form.getByRole('button', { name: 'Add destination' }).click();
    const row = page.locator('[data-destination="offsite"]');
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(loc.accessKeyId.slice(-4)));
    assert.equal(await form.getByLabel('Secret access key').inputValue(), '', 'the secret is not kept in the form');
    assert.ok(!JSON.stringify((await owner.get('/api/orgs/acme/backup-destinations')).body).includes(loc.secretAccessKey), 'the secret is never returned');
    await row.getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('toast').filter({ hasText: 'offsite works' }).waitFor();
    await screenshot(page, 'destinations');
  });

  it('a PostgreSQL database from the project page turns running; credentials are masked until revealed', async () => {
    await page.goto(PROJECT);
    await page.getByRole('link', { name: 'New database' }).click();
    await page.waitForURL('**/databases/new');
    const form = page.getByRole('form', { name: 'New database' });
    await form.getByLabel('Engine').selectOption('postgres');
    await form.getByLabel('Version').selectOption('15');
    await checkA11y(page);
    await checkFocusOrder(page, ['Version', 'Name', 'Memory limit (MB)', 'CPU limit (cores)', 'External port (optional)', 'Create database'], { start: 'form[aria-label="New database"] select[name="engine"]' });
    await form.getByLabel('Memory limit (MB)').fill('8');
    await form.getByLabel('Name', { exact: true }).fill('maindb');
    await form.getByRole('button', { name: 'Create database' }).click();
    const memError = page.locator('[data-field-error="memoryMb"]');
    await memError.waitFor();
    assert.match(await memError.innerText(), /32/);
    assert.deepEqual((await owner.get(`${ENV}/databases`)).body, [], 'nothing created');
    await form.getByLabel('Memory limit (MB)').fill('256');
    await form.getByRole('button', { name: 'Create database' }).click();
    await page.waitForURL('**/databases/maindb');
    const state = page.locator('.page-header h1 [data-state]');
    const started = Date.now();
    await until('the database to run', async () => {
      const s = await state.getAttribute('data-state', { timeout: 1000 });
      if (s === 'failed') assert.fail(await page.locator('.form-error').innerText());
      return s === 'running';
    });
    console.log(`# database running ${Date.now() - started} ms after create`);
    await page.getByTestId('replicas').getByText('1/1 running').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('database-warnings').innerText(), /not zero-downtime/);

    const masked = await page.getByTestId('internal-url').innerText();
    const creds = (await owner.post(`${ENV}/databases/maindb/credentials`)).body as { password: string; internalUrl: string };
    assert.ok(!masked.includes(creds.password), 'the password is masked');
    await checkA11y(page);
    await page.getByRole('button', { name: 'Reveal credentials' }).click();
    await page.getByTestId('password').waitFor();
    assert.equal(await page.getByTestId('password').innerText(), creds.password);
    assert.equal(await page.getByTestId('internal-url').innerText(), creds.internalUrl);
    await page.getByRole('button', { name: 'Hide credentials' }).click();
    await screenshot(page, 'database-overview');

    // The project page lists it beside the services.
    await page.goto(PROJECT);
    const listed = page.locator('[data-database="maindb"]');
    await listed.waitFor();
    assert.match(await listed.innerText(), /PostgreSQL 15/);
    assert.equal(await listed.locator('[data-state]').getAttribute('data-state'), 'running');
    assert.equal(await page.locator('[data-service="maindb"]').count(), 0, 'not listed again as a service');
    await checkA11y(page);
    await screenshot(page, 'project-databases');
  });

  it('back up now → verified; restore it into the database (typed confirmation, safety backup first)', async () => {
    await page.goto(`${PROJECT}/databases/maindb`);
    await tab('Backups');
    const form = page.getByRole('form', { name: 'Back up now' });
    await form.waitFor();
    await checkA11y(page);
    await checkFocusOrder(page, ['Back up now'], { start: 'form[aria-label="Back up now"] select[name="destination"]' });
    await form.getByRole('button', { name: 'Back up now' }).click();
    const rows = page.locator('table.backups tbody tr');
    const started = Date.now();
    const verified = await until('the backup to be verified', async () => {
      const r = rows.first();
      const [status, v] = [await r.getAttribute('data-status', { timeout: 1000 }), await r.getAttribute('data-verification', { timeout: 1000 })];
      if (status === 'failed' || v === 'failed') assert.fail(await r.innerText());
      return status === 'succeeded' && v === 'passed' ? r : undefined;
    });
    console.log(`# backup verified ${Date.now() - started} ms after "back up now"`);
    const text = await verified.innerText();
    const api = ((await owner.get(`${ENV}/services/maindb/backups`)).body as { sha256: string; verification: { durationMs: number } }[])[0]!;
    assert.match(text, /verified/);
    assert.ok(text.includes(api.sha256.slice(0, 12)), 'short SHA-256 shown');
    assert.match(text, /\d+(\.\d+)? (B|KiB|MiB)/, 'size shown');
    assert.match(text, /in \d/, 'verification duration shown');
    await screenshot(page, 'database-backups');

    await verified.getByRole('button', { name: 'Restore…' }).click();
    const restore = page.getByRole('form', { name: 'Restore a backup' });
    await restore.waitFor();
    assert.match(await restore.innerText(), /safety backup/);
    await checkA11y(page);
    await checkFocusOrder(page, ['Type maindb to confirm', 'Cancel'], { start: 'form[aria-label="Restore a backup"] input[value="this"]' });
    // Into a new database: a bad name is refused by the field, and no database is created.
    await restore.getByRole('radio', { name: /A new database/ }).check();
    await restore.getByLabel('New database name').fill('Bad Name!');
    await restore.getByRole('button', { name: 'Restore', exact: true }).click();
    const nameError = page.locator('[data-field-error="service"]');
    await nameError.waitFor();
    assert.ok((await nameError.innerText()).length > 0);
    assert.equal(((await owner.get(`${ENV}/databases`)).body as unknown[]).length, 1, 'no database created');
    await restore.getByRole('radio', { name: /This database/ }).check();
    const submit = restore.getByRole('button', { name: 'Restore', exact: true });
    assert.equal(await submit.isDisabled(), true, 'disabled until the name is typed');
    await restore.getByLabel('Type maindb to confirm').fill('maindb');
    await submit.click();
    const status = page.getByTestId('restore-status');
    const restoreStarted = Date.now();
    await until('the restore to succeed', async () => {
      const s = await status.getAttribute('data-status', { timeout: 1000 });
      if (s === 'failed') assert.fail(await status.innerText());
      return s === 'succeeded';
    });
    console.log(`# restore succeeded ${Date.now() - restoreStarted} ms after "restore"`);
    assert.match(await status.innerText(), /safety backup/);
    await until('the safety backup listed', async () => (await rows.count()) >= 2);
    assert.ok(((await owner.get(`${ENV}/services/maindb/backups`)).body as { trigger: string }[]).some((b) => b.trigger === 'safety'));
  });

  it('schedules: a bad cron shows the API message by the field; a good one is listed', async () => {
    await tab('Schedules');
    const form = page.getByRole('form', { name: 'Add a schedule' });
    await form.waitFor();
    await checkA11y(page);
    await checkFocusOrder(page, ['Time zone', 'Keep the newest (count)', 'Keep for (days)', 'Destination', 'Add schedule'], { start: 'form[aria-label="Add a schedule"] input[name="cron"]' });
    await form.getByLabel('Time zone').fill('UTC');
    await form.getByLabel('Cron').fill('every day please');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    const cronError = page.locator('[data-field-error="cron"]');
    await cronError.waitFor();
    const refused = await owner.post(`${ENV}/services/maindb/backup-schedules`, { destination: 'offsite', cron: 'every day please', timezone: 'UTC' });
    assert.equal(refused.status, 400);
    assert.equal(await cronError.innerText(), refused.body.issues[0].message);
    assert.deepEqual((await owner.get(`${ENV}/services/maindb/backup-schedules`)).body, []);
    await checkA11y(page);

    await form.getByLabel('Cron').fill('30 2 * * *');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    const row = page.locator('[data-schedule="30 2 * * *"]');
    await row.waitFor();
    assert.match(await row.innerText(), /7 newest/);
    assert.equal(await cronError.count(), 0);
    await screenshot(page, 'database-schedules');
    assert.deepEqual(errors, []);
  });

  it('settings: a version downgrade is refused by the field; logs follow the server output', async () => {
    await tab('Settings');
    const form = page.getByRole('form', { name: 'Database settings' });
    await form.waitFor();
    await checkA11y(page);
    await checkFocusOrder(page, ['Memory limit (MB)', 'CPU limit (cores)', 'External port', 'Save and restart'], { start: 'form[aria-label="Database settings"] select[name="version"]' });
    await form.getByLabel('Version').selectOption('14');
    await form.getByRole('button', { name: 'Save and restart' }).click();
    const versionError = page.locator('[data-field-error="version"]');
    await versionError.waitFor();
    const refused = await owner.patch(`${ENV}/databases/maindb`, { version: '14' });
    assert.equal(refused.status, 400);
    assert.equal(await versionError.innerText(), refused.body.issues[0].message);
    assert.equal((await owner.get(`${ENV}/databases/maindb`)).body.version, '15', 'nothing changed');

    await tab('Logs');
    await page.getByTestId('logs-state').getByText('following').waitFor();
    await page.getByTestId('database-log').getByText(/ready to accept connections/).first().waitFor({ timeout: 30_000 });
    await checkA11y(page);
  });

  it('360 px wide and dark: database and destinations pages do not scroll sideways; axe passes', async () => {
    const narrow = await newPage(browser, { baseURL: server.url, viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
    await signIn(narrow.page);
    for (const [name, url, ready] of [
      ['project', PROJECT, '[data-database="maindb"]'],
      ['database', `${PROJECT}/databases/maindb`, '[data-testid="internal-url"]'],
      ['database-backups', `${PROJECT}/databases/maindb/backups`, 'table.backups'],
      ['destinations', '/orgs/acme/backup-destinations', '[data-destination="offsite"]'],
    ] as const) {
      await narrow.page.goto(url);
      await narrow.page.locator(ready).first().waitFor();
      const overflow = await narrow.page.evaluate(() => {
        const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return d.scrollWidth - d.clientWidth;
      });
      assert.ok(overflow <= 0, `${name} at 360 px scrolls sideways by ${overflow} px`);
      await checkA11y(narrow.page);
      await screenshot(narrow.page, `narrow-dark-${name}`);
    }
    assert.deepEqual(narrow.errors, []);
    await narrow.context.close();
  });

  it('danger zone: delete needs the name typed; the database is gone from the project page', async () => {
    await page.goto(`${PROJECT}/databases/maindb/danger`);
    const form = page.getByRole('form', { name: 'Delete the database' });
    await form.waitFor();
    await checkA11y(page);
    await checkFocusOrder(page, ['Stop database', 'Restart database', 'Type maindb to confirm'], { start: '#main' });
    const del = form.getByRole('button', { name: 'Delete database' });
    assert.equal(await del.isDisabled(), true);
    await form.getByLabel('Type maindb to confirm').fill('maindb');
    await del.click();
    await page.waitForURL(`**${PROJECT}`);
    await until('the database deleted', async () => ((await owner.get(`${ENV}/databases`)).body as unknown[]).length === 0, 60_000);
    await page.reload();
    await page.getByText('No databases in production yet', { exact: false }).waitFor();
    assert.deepEqual(errors, []);
  });
});
