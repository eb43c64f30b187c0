// The Traefik HTTP-provider endpoint serves the same routing table Berth pushes to Caddy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner, userClient, type Client } from '../../test/support/client.ts';

describe('Traefik HTTP provider endpoint', () => {
  let t: TestApp;
  let owner: Client;
  before(async () => {
    t = await testApp();
    owner = await setupOwner(t.api, t.setupToken);
    await owner.post('/api/orgs/acme/projects', { name: 'shop' });
    const svc = await owner.post('/api/orgs/acme/projects/shop/environments/production/services', { name: 'web', kind: 'app', spec: { port: 8080 } });
    assert.equal(svc.status, 201);
    // Domains are added with the ingress off here, so write the row the way the API would.
    await t.db.pool.query("INSERT INTO domains (org_id, service_id, host, path_prefix, port) SELECT p.org_id, s.id, 'shop.example.com', '/', 8080 FROM services s JOIN environments e ON e.id = s.environment_id JOIN projects p ON p.id = e.project_id");
    await owner.patch('/api/settings', { domain: 'apps.example.com' });
  });
  after(() => t.close());

  it('renders routers and services for every domain, including the automatic one', async () => {
    const res = await owner.get('/api/ingress/traefik');
    assert.equal(res.status, 200);
    const rules = Object.values(res.body.http.routers as Record<string, { rule: string }>).map((r) => r.rule).join('\n');
    assert.match(rules, /Host\(`shop\.example\.com`\)/);
    assert.match(rules, /Host\(`web-shop\.apps\.example\.com`\)/);
    assert.ok(Object.keys(res.body.http.services).length >= 1);
  });

  it('is for instance administrators only', async () => {
    const bob = await userClient(t.api, owner, 'bob');
    assert.equal((await bob.get('/api/ingress/traefik')).status, 403);
  });
});
