// Test-only: a real `berth server` child process over HTTP — its environment, its first-run setup, and
// API keys made through a password session as the dashboard would (session cookie + x-csrf-token).
// The over-the-wire counterpart of setupOwner in client.ts, which goes through fastify.inject.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PASSWORD } from './client.ts';

/**
 * The environment for `berth server` run from source on `databaseUrl`, with its data in `dataDir` and
 * the API on 127.0.0.1:`port`, logging warnings: this process's environment, those, then `extra`.
 */
export function berthServerEnv(opts: { databaseUrl: string; dataDir: string; port: number }, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BERTH_FROM_SOURCE: '1',
    DATABASE_URL: opts.databaseUrl,
    BERTH_DATA_DIR: opts.dataDir,
    BERTH_PORT: String(opts.port),
    BERTH_HOST: '127.0.0.1',
    BERTH_LOG_LEVEL: 'warn',
    ...extra,
  };
}

export interface HttpSession {
  /** The session's cookies, as a Cookie header. */
  cookie: string;
  csrfToken: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function postJson(url: string, body: unknown, session?: HttpSession): Promise<{ status: number; body: any; cookie: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (session) Object.assign(headers, { cookie: session.cookie, 'x-csrf-token': session.csrfToken });
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { status: res.status, body: text ? JSON.parse(text) : undefined, cookie };
}

/** A new API key called `name`, made with a signed-in session. */
async function createApiKey(api: string, session: HttpSession, name: string): Promise<string> {
  const key = await postJson(`${api}/api/me/api-keys`, { name }, session);
  assert.equal(key.status, 201, JSON.stringify(key.body));
  return key.body.key as string;
}

/**
 * Sets up the server at `api` (e.g. http://127.0.0.1:1234) with the setup token from its data directory:
 * owner `name` (default alice, <name>@example.com, password PASSWORD) of organisation `org` (default
 * acme). Returns her session and an API key called `keyName` (default cli) made with it.
 */
export async function setupOverHttp(opts: { api: string; dataDir: string; name?: string; org?: string; keyName?: string }): Promise<HttpSession & { apiKey: string }> {
  const name = opts.name ?? 'alice';
  const token = readFileSync(join(opts.dataDir, 'setup-token'), 'utf8').trim();
  const setup = await postJson(`${opts.api}/api/setup`, { token, name, email: `${name}@example.com`, password: PASSWORD, organization: opts.org ?? 'acme' });
  assert.equal(setup.status, 201, JSON.stringify(setup.body));
  const session = { cookie: setup.cookie, csrfToken: setup.body.csrfToken as string };
  return { ...session, apiKey: await createApiKey(opts.api, session, opts.keyName ?? 'cli') };
}

/** An API key called cli for a user, made through a password session as the dashboard would. */
export async function apiKeyByPassword(api: string, login: string, password: string): Promise<string> {
  const session = await postJson(`${api}/api/auth/login`, { login, password });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  return createApiKey(api, { cookie: session.cookie, csrfToken: session.body.csrfToken as string }, 'cli');
}
