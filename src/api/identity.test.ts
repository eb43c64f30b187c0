// Setup token, login, sessions with CSRF, API keys, rate limits and the audit log, over real PostgreSQL.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setupTokenFile } from '../core/identity/setup.ts';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { Client, PASSWORD, userClient } from '../../test/support/client.ts';

describe('setup token and identity', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  it('writes the one-time setup token to a 0600 file and reports that setup is required', async () => {
    const file = setupTokenFile(t.dataDir);
    assert.equal(readFileSync(file, 'utf8').trim(), t.setupToken);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const res = await new Client(t.api).get('/api/setup');
    assert.deepEqual(res.body, { required: true });
  });

  it('refuses to create the owner without the token or with a wrong one (403), and writes nothing', async () => {
    const c = new Client(t.api);
    const body = { name: 'mallory', email: 'm@example.com', password: PASSWORD, organization: 'evil' };
    assert.equal((await c.post('/api/setup', body)).status, 403);
    const wrong = await c.post('/api/setup', { ...body, token: 'setup_wrong' });
    assert.equal(wrong.status, 403);
    assert.match(wrong.body.message, /setup token/);
    const { rows } = await t.db.pool.query('SELECT (SELECT count(*) FROM users)::int AS u, (SELECT count(*) FROM organizations)::int AS o');
    assert.deepEqual(rows[0], { u: 0, o: 0 });
  });

  it('validates the setup body with field names before touching the token', async () => {
    const res = await new Client(t.api).post('/api/setup', { token: t.setupToken, name: 'Bad Name', email: 'nope', password: 'short', organization: 'acme' });
    assert.equal(res.status, 400);
    const paths = res.body.issues.map((i: { path: string }) => i.path).sort();
    assert.deepEqual(paths, ['body/email', 'body/name', 'body/password']);
    assert.ok(existsSync(setupTokenFile(t.dataDir)), 'a failed attempt must not burn the token');
  });

  let owner: Client;
  it('creates the owner with the token, signs them in, and burns the token', async () => {
    owner = new Client(t.api);
    const res = await owner.post('/api/setup', { token: t.setupToken, name: 'alice', email: 'alice@example.com', password: PASSWORD, organization: 'acme' });
    assert.equal(res.status, 201);
    assert.equal(res.body.user.isInstanceAdmin, true);
    assert.equal(res.body.organization.name, 'acme');
    assert.ok(owner.cookies.get('berth_session'));
    assert.ok(!existsSync(setupTokenFile(t.dataDir)));
    const me = await owner.get('/api/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.via, 'session');
    assert.deepEqual(me.body.organizations.map((o: { name: string; role: string }) => [o.name, o.role]), [['acme', 'owner']]);
    // A used token → 403.
    const again = await new Client(t.api).post('/api/setup', { token: t.setupToken, name: 'bob', email: 'b@example.com', password: PASSWORD, organization: 'b' });
    assert.equal(again.status, 403);
    assert.deepEqual((await new Client(t.api).get('/api/setup')).body, { required: false });
  });

  it('session cookie is httpOnly and SameSite; mutations need the CSRF header', async () => {
    const c = new Client(t.api);
    const res = await t.api.inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'alice', password: PASSWORD } });
    const session = res.cookies.find((k) => k.name === 'berth_session')!;
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    c.cookies.set('berth_session', session.value);
    const noCsrf = await c.post('/api/orgs/acme/projects', { name: 'web' }, { 'x-csrf-token': '' });
    assert.equal(noCsrf.status, 403);
    assert.match(noCsrf.body.message, /CSRF/);
    c.csrf = res.json().csrfToken;
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'web' })).status, 201);
  });

  it('rejects a wrong password with 401 and records the failure', async () => {
    const res = await new Client(t.api).post('/api/auth/login', { login: 'alice', password: 'wrong password!' });
    assert.equal(res.status, 401);
    const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.login_failed'");
    assert.equal(rows[0].n, 1);
  });

  it('API keys: shown once, stored hashed, usable as Bearer, last use recorded, revocable', async () => {
    const created = await owner.post('/api/me/api-keys', { name: 'ci' });
    assert.equal(created.status, 201);
    const key: string = created.body.key;
    assert.match(key, /^berth_/);
    const { rows } = await t.db.pool.query('SELECT key_hash FROM api_keys');
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0].key_hash, key);
    assert.ok(!JSON.stringify((await owner.get('/api/me/api-keys')).body).includes(key));

    const cli = new Client(t.api);
    cli.apiKey = key;
    const me = await cli.get('/api/me');
    assert.equal(me.body.via, 'api_key');
    assert.equal(me.body.user.name, 'alice');
    // No CSRF needed with an API key (it is not sent automatically by browsers).
    assert.equal((await cli.post('/api/orgs/acme/projects', { name: 'api' })).status, 201);
    const listed = (await owner.get('/api/me/api-keys')).body[0];
    assert.ok(listed.lastUsedAt, 'last use is recorded');

    assert.equal((await owner.delete(`/api/me/api-keys/${created.body.id}`)).status, 200);
    const revoked = await cli.get('/api/me');
    assert.equal(revoked.status, 401);
    assert.match(revoked.body.message, /API key/);
  });

  it('logout ends the session', async () => {
    const c = new Client(t.api);
    await c.post('/api/auth/login', { login: 'alice@example.com', password: PASSWORD });
    assert.equal((await c.get('/api/me')).status, 200);
    assert.equal((await c.post('/api/auth/logout')).status, 200);
    c.cookies.clear();
    assert.equal((await c.get('/api/me')).status, 401);
  });

  it('only an instance administrator creates users; a generated password is returned once', async () => {
    const bob = await userClient(t.api, owner, 'bob');
    assert.equal((await bob.post('/api/users', { name: 'carol', email: 'c@example.com', password: PASSWORD })).status, 403);
    const gen = await owner.post('/api/users', { name: 'dave', email: 'dave@example.com' });
    assert.equal(gen.status, 201);
    assert.ok(gen.body.password.length >= 20);
    const dave = new Client(t.api);
    assert.equal((await dave.post('/api/auth/login', { login: 'dave', password: gen.body.password })).status, 200);
    assert.equal((await owner.post('/api/users', { name: 'dave', email: 'other@example.com', password: PASSWORD })).status, 409);
  });

  it('instance settings: the base domain is validated, stored, read back, and only admins change it', async () => {
    assert.equal((await owner.patch('/api/settings', { domain: 'not a domain' })).status, 400);
    const set = await owner.patch('/api/settings', { domain: 'Apps.Example.com' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body, { domain: 'apps.example.com', acmeEmail: null, acmeDirectory: null });
    assert.deepEqual((await owner.get('/api/settings')).body, { domain: 'apps.example.com', acmeEmail: null, acmeDirectory: null });
    const bob = new Client(t.api);
    await bob.post('/api/auth/login', { login: 'bob', password: PASSWORD });
    assert.equal((await bob.patch('/api/settings', { domain: 'evil.example.com' })).status, 403);
  });

  it('rate-limits login attempts', async () => {
    const c = new Client(t.api);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await c.post('/api/auth/login', { login: 'alice', password: 'nope-nope-nope' })).status);
    assert.ok(statuses.includes(429), `expected a 429 among ${statuses.join(',')}`);
  });

  it('writes an audit row for every successful mutation, with actor and address', async () => {
    const { rows } = await t.db.pool.query('SELECT action, actor_kind, actor_user_id IS NOT NULL AS has_actor, ip FROM audit_log ORDER BY id');
    const actions = rows.map((r) => r.action);
    for (const a of ['setup.create_owner', 'auth.login', 'project.create', 'api_key.create', 'api_key.revoke', 'auth.logout', 'user.create']) {
      assert.ok(actions.includes(a), `audit has ${a}`);
    }
    const setup = rows.find((r) => r.action === 'setup.create_owner');
    assert.equal(setup.actor_kind, 'setup_token');
    assert.ok(rows.filter((r) => r.action !== 'auth.login_failed').every((r) => r.has_actor && r.ip));
    const viaKey = rows.find((r) => r.actor_kind === 'api_key');
    assert.ok(viaKey, 'mutations made with an API key are attributed to it');
  });
});
