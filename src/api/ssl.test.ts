// Enabling HTTPS (POST /api/ssl): instance administrators only; stores the ACME contact and queues one
// issue-certificate job per routed host; a domain added afterwards gets its own job; the domain list
// reports each host's certificate status (null before any).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner, userClient, type Client } from '../../test/support/client.ts';
import { seedRoutedService } from '../../test/support/routed-service.ts';
import { makeTestCerts } from '../core/certificates/test-certs.test-support.ts';

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
    assert.deepEqual(res.body, { acmeEmail: 'ops@example.com', directory: 'https://acme-v02.api.letsencrypt.org/directory', hosts: ['apps.example.com', 'shop.example.com', 'web-shop.apps.example.com'] });
    assert.equal((await owner.get('/api/settings')).body.acmeEmail, 'ops@example.com');
    assert.deepEqual(await jobs(), ['apps.example.com', 'shop.example.com', 'web-shop.apps.example.com']);
    const list = await owner.get(DOMAINS);
    for (const d of list.body) {
      const { nextAttemptAt, ...rest } = d.tls;
      assert.deepEqual(rest, { status: 'pending', source: 'acme', expiresAt: null, error: null });
      assert.ok(Date.parse(nextAttemptAt) > Date.now(), 'the renewal loop holds off while the queued job runs');
      assert.deepEqual(d.https, { https: true, redirectHttp: true, hstsMaxAge: null });
    }
  });

  it('reports every certificate to administrators (GET /api/ssl)', async () => {
    const res = await owner.get('/api/ssl');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.enabled, true);
    assert.equal(res.body.acmeEmail, 'ops@example.com');
    assert.deepEqual(res.body.certificates.map((c: { host: string }) => c.host), ['apps.example.com', 'shop.example.com', 'web-shop.apps.example.com']);
    const bob = await userClient(t.api, owner, 'bob2');
    assert.equal((await bob.get('/api/ssl')).status, 403);
  });
});

describe('per-host HTTPS choices and uploaded certificates', () => {
  let t: TestApp;
  let owner: Client;
  const certs = makeTestCerts(['shop.example.com']);
  const stored = async () => (await t.db.pool.query<{ host: string; source: string }>('SELECT host, source FROM certificates ORDER BY host')).rows;
  before(async () => {
    t = await testApp();
    owner = await setupOwner(t.api, t.setupToken);
    await seedRoutedService(t, owner);
  });
  after(() => t.close());

  it('sets HSTS, the redirect and HTTPS per host (automatic host included), and validates them', async () => {
    const res = await owner.patch(`${DOMAINS}/shop.example.com/tls`, { hstsMaxAge: 31536000, redirectHttp: false });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { host: 'shop.example.com', https: true, redirectHttp: false, hstsMaxAge: 31536000 });
    assert.deepEqual((await owner.get(`${DOMAINS}/shop.example.com/tls`)).body, { host: 'shop.example.com', https: true, redirectHttp: false, hstsMaxAge: 31536000, certificate: null });
    assert.equal((await owner.patch(`${DOMAINS}/web-shop.apps.example.com/tls`, { https: false })).status, 200);
    const list = (await owner.get(DOMAINS)).body as { host: string; https: unknown }[];
    assert.deepEqual(list.map((d) => [d.host, d.https]), [
      ['web-shop.apps.example.com', { https: false, redirectHttp: true, hstsMaxAge: null }],
      ['shop.example.com', { https: true, redirectHttp: false, hstsMaxAge: 31536000 }],
    ]);
    const bad = await owner.patch(`${DOMAINS}/shop.example.com/tls`, { hstsMaxAge: -1 });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /hstsMaxAge/);
    assert.equal((await owner.patch(`${DOMAINS}/shop.example.com/tls`, {})).status, 400);
    assert.equal((await owner.patch(`${DOMAINS}/other.example.com/tls`, { https: false })).status, 404);
    // Back to the defaults: no row is kept.
    assert.equal((await owner.patch(`${DOMAINS}/shop.example.com/tls`, { hstsMaxAge: null, redirectHttp: true })).status, 200);
    assert.deepEqual((await t.db.pool.query('SELECT host FROM host_tls_settings')).rows, [{ host: 'web-shop.apps.example.com' }]);
  });

  it('refuses a bad upload with 400 naming the problem, and stores nothing', async () => {
    const put = (host: string, body: unknown) => owner.put(`${DOMAINS}/${host}/certificate`, body);
    const cases: [string, unknown, RegExp][] = [
      ['shop.example.com', { certificatePem: certs.leafPem + certs.caPem, keyPem: certs.otherKeyPem }, /body\/keyPem: the private key does not match/],
      ['shop.example.com', { certificatePem: certs.caPem + certs.leafPem, keyPem: certs.leafKeyPem }, /body\/keyPem: the private key does not match certificate 1 \(Berth Test CA\)/],
      ['web-shop.apps.example.com', { certificatePem: certs.leafPem, keyPem: certs.leafKeyPem }, /body\/certificatePem: .* is for shop\.example\.com, not web-shop\.apps\.example\.com/],
      ['shop.example.com', { certificatePem: 'not pem', keyPem: certs.leafKeyPem }, /body\/certificatePem/],
      ['shop.example.com', { keyPem: certs.leafKeyPem }, /certificatePem/],
    ];
    for (const [host, body, pattern] of cases) {
      const res = await put(host, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.message, pattern);
    }
    assert.equal((await put('other.example.com', { certificatePem: certs.leafPem, keyPem: certs.leafKeyPem })).status, 404);
    assert.deepEqual(await stored(), []);
  });

  it('stores a valid upload sealed, reports it custom and valid with its expiry, and removes it', async () => {
    const res = await owner.put(`${DOMAINS}/shop.example.com/certificate`, { certificatePem: certs.leafPem + certs.caPem, keyPem: certs.leafKeyPem });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'valid');
    assert.equal(res.body.source, 'custom');
    assert.ok(Date.parse(res.body.expiresAt) > Date.now());
    const { rows } = await t.db.pool.query<{ key_sealed: string }>("SELECT key_sealed FROM certificates WHERE host = 'shop.example.com'");
    assert.ok(rows[0]!.key_sealed.startsWith('v1:') && !rows[0]!.key_sealed.includes('PRIVATE'));
    const tls = ((await owner.get(DOMAINS)).body as { host: string; tls: { source: string; status: string } | null }[]).find((d) => d.host === 'shop.example.com')!.tls;
    assert.deepEqual([tls?.source, tls?.status], ['custom', 'valid']);
    assert.deepEqual(await owner.delete(`${DOMAINS}/shop.example.com/certificate`).then((r) => r.body), { ok: true, acme: false });
    assert.deepEqual(await stored(), []);
    assert.equal((await owner.delete(`${DOMAINS}/shop.example.com/certificate`)).status, 404);
  });
});
