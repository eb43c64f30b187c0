// The foundation pages in real Chromium against a real server and database: organisations, projects,
// environments, API keys (shown once, then revoked — and really refused), members (invite, role change,
// remove), server status, tenant isolation in the UI and the API; axe checks and focus order on every
// form; screenshots of the main pages (light, dark, 360 px).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client, PASSWORD, setupOwner, userClient } from '../support/client.ts';
import type { BrowserGlobals } from './support/dom.ts';
import { checkA11y, checkFocusOrder, focusedName, newPage, openBrowser, screenshot, startServer, type DashboardServer } from './support/index.ts';

async function signIn(page: Page, login: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('User name or email').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function toast(page: Page, text: RegExp): Promise<void> {
  await page.getByTestId('toast').filter({ hasText: text }).first().waitFor();
}

describe('dashboard: organisations, projects, environments, API keys, members, server status', () => {
  let server: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  before(async () => {
    server = await startServer();
    const owner = await setupOwner(server.t.api, server.t.setupToken, { name: 'alice', org: 'acme' });
    await userClient(server.t.api, owner, 'bob');
    browser = await openBrowser();
    ({ context, page, errors } = await newPage(browser, { baseURL: server.url }));
    await signIn(page, 'alice');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates a project (the API message next to the field for a bad name) and deletes one', async () => {
    await page.goto('/orgs/acme');
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.getByText('No projects yet').waitFor();
    assert.equal(await page.title(), 'Projects · Berth');
    await checkA11y(page);
    await checkFocusOrder(page, ['Name', 'Description', 'Create project'], { start: '#main' });

    await page.getByLabel('Name').fill('Bad Name');
    await page.getByRole('button', { name: 'Create project' }).click();
    const nameError = page.locator('[data-field-error="name"]');
    await nameError.waitFor();
    assert.match(await nameError.innerText(), /lowercase|pattern|match/i);
    await checkA11y(page);

    for (const name of ['web', 'scratch']) {
      await page.getByLabel('Name').fill(name);
      await page.getByLabel('Description').fill(name === 'web' ? 'The public site' : '');
      await page.getByRole('button', { name: 'Create project' }).click();
      await toast(page, new RegExp(`Project ${name} created`));
      await page.getByRole('link', { name }).waitFor();
    }
    assert.equal(await nameError.count(), 0, 'the field error is gone after a success');
    const scratch = page.locator('.project-card').filter({ hasText: 'scratch' });
    // Keyboard: Delete asks, focus lands on Confirm, Escape takes it back to Delete.
    await scratch.getByRole('button', { name: 'Delete' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await focusedName(page), 'Confirm');
    await page.keyboard.press('Escape');
    assert.equal(await focusedName(page), 'Delete');
    await scratch.getByRole('button', { name: 'Delete' }).click();
    await scratch.getByRole('button', { name: 'Confirm' }).click();
    await toast(page, /Project scratch deleted/);
    await page.getByRole('link', { name: 'scratch' }).waitFor({ state: 'detached' });
    const api = await server.t.api.inject({ method: 'GET', url: '/api/orgs/acme/projects', headers: { cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
    assert.deepEqual(api.json().map((p: { name: string }) => p.name), ['web']);
    await screenshot(page, 'projects');
  });

  it('creates and deletes an environment in a project', async () => {
    await page.getByRole('link', { name: 'web' }).click();
    await page.waitForURL('**/orgs/acme/projects/web/**');
    // The project page (services) keeps the environments panel folded.
    await page.locator('summary').filter({ hasText: 'Environments' }).click();
    await page.locator('[data-env="production"]').waitFor();
    await checkA11y(page);
    await checkFocusOrder(page, ['Environment name', 'Kind', 'Add environment'], { start: 'summary' });
    await page.getByLabel('Environment name').fill('staging');
    await page.getByRole('button', { name: 'Add environment' }).click();
    await toast(page, /Environment staging created/);
    const row = page.locator('[data-env="staging"]');
    await row.waitFor();
    assert.match(await row.innerText(), /staging\s+staging/);
    await page.getByLabel('Environment name').fill('staging');
    await page.getByRole('button', { name: 'Add environment' }).click();
    const err = page.getByTestId('form-error').or(page.locator('[data-field-error="name"]'));
    await err.first().waitFor();
    assert.match(await err.first().innerText(), /already exists/);
    await screenshot(page, 'project');
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Confirm' }).click();
    await toast(page, /Environment staging deleted/);
    await row.waitFor({ state: 'detached' });
  });

  it('creates an organisation from the switcher page and switches to it', async () => {
    await page.goto('/orgs');
    await page.getByRole('heading', { name: 'Organisations', level: 1 }).waitFor();
    await checkA11y(page);
    await checkFocusOrder(page, ['Name', 'Create organisation'], { start: '#main' });
    await page.getByLabel('Name').fill('beta');
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await page.waitForURL('**/orgs/beta');
    await page.getByText('No projects yet').waitFor();
    assert.equal(await page.locator('#org-switcher').inputValue(), 'beta');
    await page.locator('#org-switcher').selectOption('acme');
    await page.waitForURL('**/orgs/acme');
    await page.getByRole('link', { name: 'web' }).waitFor();
    await page.goto('/orgs');
    await page.getByRole('link', { name: 'beta' }).waitFor();
    await screenshot(page, 'organisations');
    const beta = page.getByRole('row').filter({ hasText: 'beta' });
    await beta.getByRole('button', { name: 'Delete' }).click();
    await beta.getByRole('button', { name: 'Confirm' }).click();
    await toast(page, /Organisation deleted/);
    await beta.waitFor({ state: 'detached' });
    // The switcher re-reads the user's organisations after the delete: wait for that refresh (bounded).
    const options = () => page.locator('#org-switcher option').allInnerTexts();
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && (await options()).includes('beta'); ) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await page.locator('#org-switcher option').allInnerTexts(), ['acme', 'All organisations…'], 'the switcher follows');
  });

  it('shows a new API key once, then revokes it — and the API refuses it afterwards', async () => {
    await page.goto('/account/api-keys');
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await checkA11y(page);
    await checkFocusOrder(page, ['Key name', 'Create key'], { start: '#main' });
    await page.getByLabel('Key name').fill('laptop');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByTestId('new-api-key');
    await shown.waitFor();
    const key = await shown.innerText();
    assert.match(key, /^berth_\S{20,}$/);
    await checkA11y(page);
    await screenshot(page, 'api-key-created');
    const asKey = () => fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal((await asKey()).status, 200, 'the key works');

    await page.reload();
    const row = page.locator('[data-key="laptop"]');
    await row.waitFor();
    assert.equal(await page.getByTestId('new-api-key').count(), 0, 'never shown again');
    assert.ok(!(await page.content()).includes(key), 'the key is nowhere in the page after a reload');
    assert.ok(key.startsWith((await row.locator('.mono').innerText()).replace('…', '')), 'the prefix identifies it');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Confirm' }).click();
    await toast(page, /API key laptop revoked/);
    await row.getByText('revoked').waitFor();
    assert.equal((await asKey()).status, 401, 'a revoked key is refused');
    await screenshot(page, 'api-keys');
  });

  it('members: invite a new account, add an existing user, change a role, remove', async () => {
    await page.goto('/orgs/acme/members');
    await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await checkA11y(page);
    await checkFocusOrder(page, ['User name or email', 'Role', 'Add member', 'New user name', 'New user email', 'Their role', 'Create and add'], { start: '#main' });

    await page.getByLabel('User name or email').fill('nobody-here');
    await page.getByRole('button', { name: 'Add member' }).click();
    const userError = page.locator('[data-field-error="user"]');
    await userError.waitFor();
    assert.match(await userError.innerText(), /no user named "nobody-here"/);
    assert.equal(await page.getByLabel('User name or email').getAttribute('aria-invalid'), 'true');
    await checkA11y(page);

    await page.getByLabel('User name or email').fill('bob');
    await page.getByRole('button', { name: 'Add member' }).click();
    await toast(page, /bob added as member/);
    await page.getByRole('cell', { name: 'bob', exact: true }).waitFor();

    await page.getByLabel('New user name').fill('carol');
    await page.getByLabel('New user email').fill('carol@example.com');
    await page.getByRole('button', { name: 'Create and add' }).click();
    const password = await page.getByTestId('new-user-password').innerText();
    assert.ok(password.length >= 16, 'a generated password is shown once');
    const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'carol', password }) });
    assert.equal(login.status, 200, 'the invited user can sign in with it');

    await page.getByLabel('Role of bob').selectOption('admin');
    await toast(page, /bob is now admin/);
    await screenshot(page, 'members');
    const bobRow = page.getByRole('row').filter({ hasText: 'bob@example.com' });
    await bobRow.getByRole('button', { name: 'Remove' }).click();
    await bobRow.getByRole('button', { name: 'Confirm' }).click();
    await toast(page, /Member removed/);
    await bobRow.waitFor({ state: 'detached' });
    const members = (await server.t.api.inject({ method: 'GET', url: '/api/orgs/acme/members', headers: { cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).json();
    assert.deepEqual(members.map((m: { name: string; role: string }) => `${m.name}:${m.role}`).sort(), ['alice:owner', 'carol:member']);
  });

  it('server status shows the components, the Swarm node and the queue with positions', async () => {
    // No worker runs in this test: a running job and two queued ones stay put.
    await server.t.ctx.database.pool.query(
      `INSERT INTO jobs (type, org_id, state, timeout_seconds, run_at, started_at, locked_by, lease_expires_at)
       SELECT t.type, o.id, t.state, 60, now() + t.delay, t.started, t.locked, t.lease FROM organizations o,
         (VALUES ('deploy', 'running', interval '-2 minutes', now(), 'worker-1', now() + interval '1 minute'),
                 ('backup', 'queued', interval '-1 minute', NULL::timestamptz, NULL, NULL::timestamptz),
                 ('deploy', 'queued', interval '-30 seconds', NULL, NULL, NULL)) AS t(type, state, delay, started, locked, lease)
       WHERE o.name = 'acme'`,
    );
    await page.getByRole('link', { name: 'Server' }).click();
    await page.waitForURL('**/status');
    await page.getByRole('heading', { name: 'Swarm nodes' }).waitFor();
    await page.getByText('leader').waitFor();
    await page.locator('[data-component="database"]').getByText(/PostgreSQL/).waitFor();
    await page.getByText('1 running, 2 queued').waitFor();
    const rows = await page.locator('section[aria-labelledby="queue"] tbody tr').allInnerTexts();
    assert.equal(rows.length, 3);
    assert.match(rows[0]!, /^—\s+deploy .*acme.*running on worker-1/s);
    assert.match(rows[1]!, /^1\s+backup .*acme.*queued/s);
    assert.match(rows[2]!, /^2\s+deploy .*acme.*queued/s);
    await checkA11y(page);
    await screenshot(page, 'server-status');
    assert.deepEqual(errors, [], 'no errors in the page');
  });

  it('a member of another organisation sees none of this one (the UI and the API answer 404)', async () => {
    const admin = await setupOwnerClient(server);
    const olga = await userClient(server.t.api, admin, 'olga');
    assert.equal((await olga.post('/api/orgs', { name: 'other' })).status, 201);
    const { context: c2, page: p2 } = await newPage(browser, { baseURL: server.url });
    await signIn(p2, 'olga');
    await p2.waitForURL('**/orgs/other');
    const options = await p2.locator('#org-switcher option').allInnerTexts();
    assert.ok(!options.includes('acme'), `olga's switcher lists only her organisations: ${options.join(', ')}`);
    await p2.goto('/orgs/acme');
    const alert = p2.getByRole('alert').filter({ hasText: /not found/ });
    await alert.first().waitFor();
    assert.match(await alert.first().innerText(), /organisation "acme" not found/);
    assert.equal(await p2.getByRole('link', { name: 'web' }).count(), 0, 'no project of acme is shown');
    await p2.goto('/orgs/acme/projects/web');
    await p2.getByRole('alert').filter({ hasText: /not found/ }).first().waitFor();
    assert.ok(!(await p2.content()).includes('The public site'));
    const status = await p2.evaluate(async () => [(await fetch('/api/orgs/acme/projects')).status, (await fetch('/api/orgs/acme/projects/web')).status]);
    assert.deepEqual(status, [404, 404]);
    await screenshot(p2, 'other-organisation-404');
    await c2.close();
  });

  it('works at 360 px and in the dark theme', async () => {
    // Alice's session (login attempts are rate-limited per address: the test does not sign in again).
    const storageState = await context.storageState();
    const { context: narrow, page: small } = await newPage(browser, { baseURL: server.url, viewport: { width: 360, height: 740 }, storageState });
    await small.goto('/orgs/acme');
    await small.getByRole('link', { name: 'web' }).waitFor();
    const overflow = await small.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth - (globalThis as unknown as BrowserGlobals).document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow}px)`);
    await checkA11y(small);
    await screenshot(small, 'projects-360px');
    await small.goto('/orgs/acme/members');
    await small.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
    await screenshot(small, 'members-360px');
    await narrow.close();

    const { context: dark, page: night } = await newPage(browser, { baseURL: server.url, colorScheme: 'dark', storageState });
    await night.goto('/orgs/acme');
    await night.getByRole('link', { name: 'web' }).waitFor();
    const bg = await night.evaluate(() => {
      const g = globalThis as unknown as BrowserGlobals;
      return g.getComputedStyle(g.document.body).backgroundColor;
    });
    assert.equal(bg, 'rgb(15, 17, 21)', 'prefers-color-scheme: dark applies the dark palette');
    await checkA11y(night);
    await screenshot(night, 'projects-dark');
    await night.getByRole('button', { name: /^Theme: system/ }).click();
    const light = await night.evaluate(() => {
      const g = globalThis as unknown as BrowserGlobals;
      return [g.document.documentElement.dataset.theme, g.getComputedStyle(g.document.body).backgroundColor];
    });
    assert.deepEqual(light, ['light', 'rgb(246, 247, 249)'], 'the toggle overrides the system theme');
    await night.reload();
    await night.getByRole('link', { name: 'web' }).waitFor();
    assert.equal(await night.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.dataset.theme), 'light', 'the choice survives a reload');
    await dark.close();
  });
});

/** A client signed in as the owner (instance administrator) created in before(). */
async function setupOwnerClient(server: DashboardServer) {
  const c = new Client(server.t.api);
  const res = await c.post('/api/auth/login', { login: 'alice', password: PASSWORD });
  assert.equal(res.status, 200);
  return c;
}
