// Projects → environments → services CRUD, strict names, and bad input that names the field and
// writes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner, type Client } from '../../test/support/client.ts';

const SVC = '/api/orgs/acme/projects/shop/environments/production/services';

async function counts(t: TestApp) {
  const { rows } = await t.db.pool.query(`SELECT (SELECT count(*) FROM projects)::int AS projects, (SELECT count(*) FROM environments)::int AS envs,
    (SELECT count(*) FROM services)::int AS services, (SELECT count(*) FROM service_env_vars)::int AS vars`);
  return rows[0];
}

describe('resource model', () => {
  let t: TestApp;
  let c: Client;
  before(async () => {
    t = await testApp();
    c = await setupOwner(t.api, t.setupToken);
  });
  after(() => t.close());

  it('creates a project with a production environment, then staging and a custom one', async () => {
    const p = await c.post('/api/orgs/acme/projects', { name: 'shop', description: 'the shop' });
    assert.equal(p.status, 201);
    assert.deepEqual(p.body.environments.map((e: { name: string; kind: string }) => [e.name, e.kind]), [['production', 'production']]);
    assert.equal((await c.post('/api/orgs/acme/projects/shop/environments', { name: 'staging' })).body.kind, 'staging');
    assert.equal((await c.post('/api/orgs/acme/projects/shop/environments', { name: 'pr-42' })).body.kind, 'custom');
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'shop' })).status, 409);
    const got = await c.get('/api/orgs/acme/projects/shop');
    assert.deepEqual(got.body.environments.map((e: { name: string }) => e.name), ['production', 'staging', 'pr-42']);
    assert.equal((await c.patch('/api/orgs/acme/projects/shop', { description: 'new' })).body.description, 'new');
  });

  it('creates, reads, updates and deletes a service with a validated spec', async () => {
    const created = await c.post(SVC, { name: 'web', kind: 'app', spec: { source: { type: 'git', repository: 'https://git.example.com/acme/web.git', ref: 'main' }, port: 3000 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.spec.replicas, 1, 'defaults are filled in');
    assert.equal(created.body.spec.source.dockerfile, 'Dockerfile');
    const updated = await c.patch(`${SVC}/web`, { spec: { replicas: 3 } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.spec.replicas, 3);
    assert.equal(updated.body.spec.port, 3000, 'other keys are kept');
    const all = await c.get('/api/orgs/acme/services?project=shop');
    assert.deepEqual(all.body.map((s: { name: string }) => s.name), ['web']);
    assert.equal((await c.post(SVC, { name: 'web', kind: 'app' })).status, 409);
    assert.equal((await c.delete(`${SVC}/web`)).status, 200);
    assert.equal((await c.get(`${SVC}/web`)).status, 404);
  });

  it('refuses bad names everywhere with the field path, writing nothing', async () => {
    const before = await counts(t);
    const cases: [string, unknown, string][] = [
      ['/api/orgs/acme/projects', { name: 'Bad_Name' }, 'body/name'],
      ['/api/orgs/acme/projects', { name: '-leading' }, 'body/name'],
      ['/api/orgs/acme/projects', { name: 'a'.repeat(64) }, 'body/name'],
      ['/api/orgs/acme/projects', { name: 'x; rm -rf /' }, 'body/name'],
      ['/api/orgs/acme/projects/shop/environments', { name: 'has space' }, 'body/name'],
      [SVC, { name: '$(touch x)', kind: 'app' }, 'body/name'],
      [SVC, { name: 'ok', kind: 'nope' }, 'body/kind'],
      [SVC, { name: 'ok', kind: 'app', spec: { replicas: -1 } }, 'body/spec/replicas'],
      [SVC, { name: 'ok', kind: 'app', spec: { source: { type: 'image', image: 'nginx;rm -rf /' } } }, 'body/spec/source/image'],
      [SVC, { name: 'ok', kind: 'app', spec: { source: { type: 'git', repository: '--upload-pack=touch /tmp/x' } } }, 'body/spec/source/repository'],
      [SVC, { name: 'ok', kind: 'app', spec: { source: { type: 'git', repository: 'https://h.example/r.git', ref: '--output=/tmp/x' } } }, 'body/spec/source/ref'],
      [SVC, { name: 'ok', kind: 'app', spec: { unknownKey: true } }, 'body/spec'],
      [SVC, { name: 'ok', kind: 'app', env: [{ key: 'GOOD', value: 'x' }, { key: 'BAD KEY', value: 'x' }] }, 'body/env/1/key'],
    ];
    for (const [url, body, path] of cases) {
      const res = await c.post(url, body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status}`);
      assert.ok(res.body.issues.some((i: { path: string }) => i.path === path), `${JSON.stringify(body)}: expected an issue at ${path}, got ${JSON.stringify(res.body.issues)}`);
      assert.ok(res.body.message.includes(path));
    }
    // A bad variable in an otherwise valid create: neither the service nor the good variable is written.
    const dup = await c.post(SVC, { name: 'ok', kind: 'app', env: [{ key: 'A', value: '1' }, { key: 'A', value: '2' }] });
    assert.equal(dup.status, 400);
    assert.equal(dup.body.issues[0].path, 'body/vars/1/key');
    assert.deepEqual(await counts(t), before);
  });

  it('bad JSON and unknown routes get clear 4xx errors', async () => {
    const res = await t.api.inject({ method: 'POST', url: '/api/orgs/acme/projects', payload: '{not json', headers: { 'content-type': 'application/json', cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': c.csrf! } });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().message, /JSON/);
    const missing = await c.get('/api/nothing-here');
    assert.equal(missing.status, 404);
  });

  it('environment variables: replace, keep a secret by sending null, injection-looking values are inert data', async () => {
    assert.equal((await c.post(SVC, { name: 'app', kind: 'app' })).status, 201);
    const url = `${SVC}/app/env`;
    const put = await c.put(url, { vars: [{ key: 'PLAIN', value: '$(touch /tmp/berth-canary); `id`\nnext' }, { key: 'TOKEN', value: 'tok-123', secret: true }] });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.map((v: { key: string; value: string | null }) => [v.key, v.value]), [['PLAIN', '$(touch /tmp/berth-canary); `id`\nnext'], ['TOKEN', null]]);
    const keep = await c.put(url, { vars: [{ key: 'TOKEN', value: null, secret: true }] });
    assert.equal(keep.status, 200);
    const reveal = await c.post(`${url}/TOKEN/reveal`);
    assert.equal(reveal.body.value, 'tok-123');
    const bad = await c.put(url, { vars: [{ key: 'NEW', value: null, secret: true }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.issues[0].path, 'body/vars/0/value');
    assert.equal((await c.get(url)).body.length, 1, 'the failed replace changed nothing');
  });

  it('deleting a project removes its environments and services', async () => {
    assert.equal((await c.delete('/api/orgs/acme/projects/shop')).status, 200);
    assert.deepEqual(await counts(t), { projects: 0, envs: 0, services: 0, vars: 0 });
  });
});
