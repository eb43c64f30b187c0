// The authorization matrix, walked over every declared route (so a new route is covered the day it
// lands): strangers get 401, members of another organisation get 404 and change nothing, members
// get 403 where only admins may act, and a route without a declaration cannot even be registered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { roleAllows } from '../core/access/permissions.ts';
import { buildApi } from './server.ts';
import type { DeclaredRoute } from './access.ts';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { Client, setupOwner, userClient } from '../../test/support/client.ts';

const PARAMS: Record<string, string> = {
  org: 'acme',
  project: 'web',
  env: 'production',
  service: 'api',
  database: 'maindb',
  user: 'mia',
  key: 'SECRET_TOKEN',
  id: '00000000-0000-4000-8000-000000000000',
  host: 'api.example.com',
};
const fill = (url: string) => url.replace(/:([a-z]+)/g, (_, p: string) => PARAMS[p] ?? `unknown-${p}`);

async function snapshot(t: TestApp): Promise<string> {
  const { rows } = await t.db.pool.query(`SELECT
    (SELECT json_agg(p ORDER BY p.id) FROM projects p) AS projects,
    (SELECT json_agg(e ORDER BY e.id) FROM environments e) AS environments,
    (SELECT json_agg(s ORDER BY s.id) FROM services s) AS services,
    (SELECT json_agg(v ORDER BY v.key) FROM service_env_vars v) AS env,
    (SELECT json_agg(m ORDER BY m.user_id, m.org_id) FROM memberships m) AS members,
    (SELECT json_agg(o ORDER BY o.id) FROM organizations o) AS orgs,
    (SELECT json_agg(k ORDER BY k.id) FROM api_keys k) AS keys`);
  return JSON.stringify(rows[0]);
}

describe('authorization matrix', () => {
  let t: TestApp;
  let owner: Client, admin: Client, member: Client, outsider: Client;
  let orgRoutes: DeclaredRoute[];

  before(async () => {
    t = await testApp();
    owner = await setupOwner(t.api, t.setupToken);
    admin = await userClient(t.api, owner, 'adam');
    member = await userClient(t.api, owner, 'mia');
    outsider = await userClient(t.api, owner, 'olga');
    assert.equal((await owner.post('/api/orgs/acme/members', { user: 'adam', role: 'admin' })).status, 201);
    assert.equal((await owner.post('/api/orgs/acme/members', { user: 'mia', role: 'member' })).status, 201);
    assert.equal((await outsider.post('/api/orgs', { name: 'other' })).status, 201);
    assert.equal((await outsider.post('/api/orgs/other/projects', { name: 'theirs' })).status, 201);
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'web' })).status, 201);
    const svc = await owner.post('/api/orgs/acme/projects/web/environments/production/services', {
      name: 'api',
      kind: 'app',
      spec: { source: { type: 'image', image: 'nginx:1.27' } },
      env: [{ key: 'SECRET_TOKEN', value: 's3cr3t-value', secret: true }],
    });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    assert.equal((await owner.post('/api/orgs/acme/projects/web/environments/production/databases', { name: 'maindb', engine: 'postgres' })).status, 202);
    // A domain of api (as the API writes it; domain changes need the ingress): the per-host HTTPS routes.
    await t.db.pool.query("INSERT INTO domains (org_id, service_id, host, path_prefix, port) SELECT p.org_id, s.id, 'api.example.com', '/', 80 FROM services s JOIN environments e ON e.id = s.environment_id JOIN projects p ON p.id = e.project_id WHERE s.name = 'api'");
    orgRoutes = t.api.berthRoutes.filter((r) => r.access.kind === 'org');
    assert.ok(orgRoutes.length >= 20, `expected the org routes, got ${orgRoutes.length}`);
  });
  after(() => t.close());

  it('every non-public route answers 401 without credentials', async () => {
    const anon = new Client(t.api);
    for (const r of t.api.berthRoutes.filter((x) => x.access.kind !== 'public')) {
      const res = await anon.request(r.method, fill(r.url), r.method === 'GET' ? undefined : {});
      assert.equal(res.status, 401, `${r.method} ${r.url} → ${res.status}`);
    }
  });

  it("a member of another organisation gets 404 on every route of this one, and nothing changes", async () => {
    const before = await snapshot(t);
    for (const r of orgRoutes) {
      const res = await outsider.request(r.method, fill(r.url), r.method === 'GET' ? undefined : {});
      assert.equal(res.status, 404, `${r.method} ${r.url} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match(res.body.message, /organisation "acme" not found/);
    }
    assert.equal(await snapshot(t), before);
    // And the outsider's own organisation does not show this one's projects.
    const theirs = await outsider.get('/api/orgs/other/projects');
    assert.deepEqual(theirs.body.map((p: { name: string }) => p.name), ['theirs']);
  });

  it('a member gets 403 wherever the role lacks the permission, and nothing changes', async () => {
    const before = await snapshot(t);
    let denied = 0;
    for (const r of orgRoutes) {
      if (r.access.kind !== 'org' || roleAllows('member', r.access.permission)) continue;
      const res = await member.request(r.method, fill(r.url), r.method === 'GET' ? undefined : {});
      assert.equal(res.status, 403, `${r.method} ${r.url} → ${res.status}`);
      denied++;
    }
    assert.ok(denied >= 10, `member denied on ${denied} routes`);
    assert.equal(await snapshot(t), before);
  });

  it('a member can read what the role allows', async () => {
    for (const r of orgRoutes) {
      if (r.method !== 'GET' || r.access.kind !== 'org' || !roleAllows('member', r.access.permission) || r.url.includes(':id')) continue;
      // The live event stream never ends on its own: events.test.ts reads it over a socket.
      if (r.url.endsWith('/events')) continue;
      const res = await member.get(fill(r.url));
      // Runtime logs need a live release; the service here was never deployed.
      const expected = r.url.endsWith('/logs') ? 409 : 200;
      assert.equal(res.status, expected, `${r.method} ${r.url} → ${res.status} ${JSON.stringify(res.body)}`);
    }
  });

  it('an admin manages members and services but cannot touch ownership', async () => {
    assert.equal((await admin.post('/api/orgs/acme/projects', { name: 'adminproj' })).status, 201);
    assert.equal((await admin.patch('/api/orgs/acme/members/mia', { role: 'admin' })).status, 200);
    assert.equal((await admin.patch('/api/orgs/acme/members/mia', { role: 'owner' })).status, 403);
    assert.equal((await admin.delete('/api/orgs/acme/members/alice')).status, 403);
    assert.equal((await admin.delete('/api/orgs/acme')).status, 403);
    assert.equal((await owner.delete('/api/orgs/acme/members/alice')).status, 409, 'the last owner stays');
  });

  it('host bind mounts: only an instance administrator may add them; an org admin may still change other settings', async () => {
    const url = '/api/orgs/acme/projects/web/environments/production/services';
    const mounts = { bindMounts: [{ source: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: false }] };
    const denied = await admin.post(url, { name: 'sneaky', kind: 'app', spec: mounts });
    assert.equal(denied.status, 403);
    assert.match(denied.body.message, /bindMounts: only an instance administrator/);
    assert.equal((await admin.patch(`${url}/api`, { spec: mounts })).status, 403);
    assert.equal((await owner.patch(`${url}/api`, { spec: mounts })).status, 200, 'the instance administrator can');
    assert.equal((await admin.patch(`${url}/api`, { spec: { replicas: 2 } })).status, 200, 'unchanged mounts do not block other edits');
    assert.equal((await owner.patch(`${url}/api`, { spec: { bindMounts: [] } })).status, 200);
  });

  it('secret values are masked for everyone and revealed only to admins', async () => {
    const listed = await member.get('/api/orgs/acme/projects/web/environments/production/services/api/env');
    assert.equal(listed.status, 200);
    assert.equal(listed.body[0].value, null);
    assert.ok(!JSON.stringify(listed.body).includes('s3cr3t-value'));
    const reveal = '/api/orgs/acme/projects/web/environments/production/services/api/env/SECRET_TOKEN/reveal';
    assert.equal((await owner.post(reveal)).body.value, 's3cr3t-value');
  });

  it('a route without an access declaration cannot be registered', async () => {
    await assert.rejects(
      buildApi(t.ctx, { extraRoutes: (app) => app.get('/api/undeclared', { schema: { response: { 200: z.object({}) } } }, async () => ({})) }),
      /declares no access/,
    );
    await assert.rejects(
      buildApi(t.ctx, { extraRoutes: (app) => app.get('/api/no-org', { config: { access: { kind: 'org', permission: 'project.read' } } }, async () => ({})) }),
      /no :org parameter/,
    );
  });
});
