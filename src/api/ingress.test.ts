// The Traefik HTTP-provider endpoint serves the same routing table Berth pushes to Caddy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner, userClient, type Client } from '../../test/support/client.ts';
import { seedRoutedService } from '../../test/support/routed-service.ts';

describe('Traefik HTTP provider endpoint', () => {
  let t: TestApp;
  let owner: Client;
  before(async () => {
    t = await testApp();
    owner = await setupOwner(t.api, t.setupToken);
    await seedRoutedService(t, owner);
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
