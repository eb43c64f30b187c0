// Enabling HTTPS (POST /api/ssl): instance administrators only; stores the ACME contact and queues one
// issue-certificate job per routed host; a domain added afterwards gets its own job; the domain list
// reports each host's certificate status (null before any).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner, userClient, type Client } from '../../test/support/client.ts';
import { seedRoutedService } from '../../test/support/routed-service.ts';

const DOMAINS = '/api/orgs/acme/projects/shop/environments/production/services/web/domains';

describe('POST /api/ssl', () => {
  let t: TestApp;
  let owner: Client;
  const jobs = async () =>
    (await t.db.pool.query<{ host: string }>("SELECT payload->>'host' AS host FROM jobs WHERE type = 'issue-certificate' ORDER BY payload->>'host'")).rows.map((r) => r.host);
  before(async () => {
    t = await testApp();
    owner = await setupOwner(t.api, t.setupToken);
    await seedRoutedService(t, owner);
  });
  after(() => t.close());

  it('lists domains with tls: null before HTTPS is enabled', async () => {
    const res = await owner.get(DOMAINS);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.length >= 2);
    for (const d of res.body) assert.equal(d.tls, null);
  });

  it('is for instance administrators only and validates the address', async () => {
    const bob = await userClient(t.api, owner, 'bob');
    assert.equal((await bob.post('/api/ssl', { email: 'ops@example.com' })).status, 403);
    assert.equal((await owner.post('/api/ssl', { email: 'not an address' })).status, 400);
    assert.deepEqual(await jobs(), []);
  });

  it('stores the contact, queues issuance for every routed host and reports them pending', async () => {
    const res = await owner.post('/api/ssl', { email: 'ops@example.com' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { acmeEmail: 'ops@example.com', hosts: ['shop.example.com', 'web-shop.apps.example.com'] });
    assert.equal((await owner.get('/api/settings')).body.acmeEmail, 'ops@example.com');
    assert.deepEqual(await jobs(), ['shop.example.com', 'web-shop.apps.example.com']);
    const list = await owner.get(DOMAINS);
    for (const d of list.body) {
      const { nextAttemptAt, ...rest } = d.tls;
      assert.deepEqual(rest, { status: 'pending', source: 'acme', expiresAt: null, error: null });
      assert.ok(Date.parse(nextAttemptAt) > Date.now(), 'the renewal loop holds off while the queued job runs');
      assert.deepEqual(d.https, { https: true, redirectHttp: true, hstsMaxAge: null });
    }
  });
});
