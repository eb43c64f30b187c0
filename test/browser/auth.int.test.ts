// First run and sign-in in real Chromium against a real server: the setup token is checked by the API
// and its message shown; the right token creates the owner and signs them in; sign out; a wrong
// password shows the API's message; ?next= returns to the page that needed a session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { checkA11y, checkFocusOrder, newPage, openBrowser, screenshot, startServer, type DashboardServer } from './support/index.ts';

const PASSWORD = 'correct horse battery staple';

describe('dashboard: setup, sign in, sign out', () => {
  let server: DashboardServer;
  let browser: Browser;
  before(async () => {
    server = await startServer();
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('setup: a wrong token shows the API message; the right one creates the owner and signs in', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: server.url });
    await page.goto('/');
    await page.waitForURL('**/setup');
    await page.getByRole('heading', { name: 'Set up Berth' }).waitFor();
    await checkA11y(page);
    await checkFocusOrder(page, ['Setup token', 'User name', 'Email', 'Password', 'Organisation', 'Create owner']);

    await page.getByLabel('Setup token').fill('setup_wrong');
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Organisation').fill('acme');
    await page.getByRole('button', { name: 'Create owner' }).click();
    const alert = page.getByTestId('form-error');
    await alert.waitFor();
    assert.match(await alert.innerText(), /setup token/i);
    await checkA11y(page);
    await screenshot(page, 'setup-wrong-token');

    // A field the API rejects: its message appears next to that field.
    await page.getByLabel('Setup token').fill(server.t.setupToken);
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByRole('button', { name: 'Create owner' }).click();
    const emailError = page.locator('[data-field-error="email"]');
    await emailError.waitFor();
    assert.match(await emailError.innerText(), /email/i);
    assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'setup-field-error');

    await page.getByLabel('Email').fill('alice@example.com');
    await page.getByRole('button', { name: 'Create owner' }).click();
    await page.waitForURL('**/orgs/acme');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.equal(await page.locator('#org-switcher').inputValue(), 'acme');
    const setup = await (await fetch(`${server.url}/api/setup`)).json();
    assert.deepEqual(setup, { required: false });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    assert.equal(me, 401, 'the session is gone server-side');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('sign in: a wrong password shows the message; the right one returns to ?next=', async () => {
    const { page, context, errors } = await newPage(browser, { baseURL: server.url });
    await page.goto('/account/api-keys');
    await page.waitForURL('**/login?next=%2Faccount%2Fapi-keys');
    await checkA11y(page);
    await checkFocusOrder(page, ['User name or email', 'Password', 'Sign in']);
    await page.getByLabel('User name or email').fill('alice');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByTestId('form-error');
    await alert.waitFor();
    assert.match(await alert.innerText(), /invalid|password|credentials/i);
    await screenshot(page, 'login-wrong-password');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/account/api-keys');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    // The session ends server-side while the page is open: the next request's 401 sends the user to
    // the login page, which brings them back afterwards.
    await server.t.ctx.database.pool.query('DELETE FROM sessions');
    // The next request answers 401: the click's, or a background refresh of the open page that may come
    // first on a busy machine (then the link is gone before the click lands). Either way: the login
    // page, then back to where the user was going.
    await page.getByRole('link', { name: 'Projects' }).click({ timeout: 5_000 }).catch(() => undefined);
    await page.waitForURL(/\/login\?next=%2F(orgs%2Facme|account%2Fapi-keys)$/);
    const next = new URL(page.url()).searchParams.get('next')!;
    await page.getByLabel('User name or email').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**${next}`);
    if (next === '/orgs/acme') await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    else await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });
});
