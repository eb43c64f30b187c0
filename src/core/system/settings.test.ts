// A change of the base domain (PATCH /api/settings → updateInstanceSettings) on a real database: with
// HTTPS enabled and an installation DNS provider covering the new base, the new wildcard is queued at once
// (and the renewal loop's next pass leaves the hosts it covers to it); the old base's wildcard row goes;
// nothing is queued without HTTPS, without a covering provider, for an unchanged domain or for another setting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../../test/support/app.ts';
import { setupOwner, type Client } from '../../../test/support/client.ts';
import { addDnsProvider } from '../dns-providers/dns-providers.ts';
import { updateInstanceSettings } from './settings.ts';

describe('base domain change and the wildcard certificate', () => {
  let t: TestApp;
  let owner: Client;

  /** The hosts of the queued issue-certificate jobs, oldest first. */
  const queued = async () =>
    (await t.db.pool.query<{ host: string }>("SELECT payload->>'host' AS host FROM jobs WHERE type = 'issue-certificate' ORDER BY created_at, id")).rows.map((r) => r.host);
  const rows = async () => (await t.db.pool.query<{ host: string; status: string }>('SELECT host, status FROM certificates ORDER BY host')).rows.map((r) => `${r.host} ${r.status}`);
  const setDomain = async (domain: string | null) => {
    const res = await owner.patch('/api/settings', { domain });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // The route kicks a pass of the renewal loop: let it finish before looking.
    await t.ctx.certificates.stop();
    return res.body;
  };

  before(async () => {
    t = await testApp();
    owner = await setupOwner(t.api, t.setupToken);
    await addDnsProvider(t.ctx.database.db, t.ctx.secrets, {
      orgId: null,
      input: { type: 'rfc2136', name: 'bind', zone: 'example.com', server: '192.0.2.53:53', keyName: 'berth-acme', keySecret: 'bs+ixYnV04mxVS/afbuJ+cOyOqm2jDBpIeXTqZNNeBM=', algorithm: 'hmac-sha256', transport: 'udp' },
    });
    // An organisation's provider never serves the installation's base domain.
    const org = (await t.db.pool.query<{ id: string }>("SELECT id FROM organizations WHERE name = 'acme'")).rows[0]!;
    await addDnsProvider(t.ctx.database.db, t.ctx.secrets, {
      orgId: org.id,
      input: { type: 'cloudflare', name: 'org-cf', zone: 'example.org', apiToken: 'Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY' },
    });
  });
  after(() => t.close());

  it('without HTTPS a new base domain queues nothing', async () => {
    await setDomain('apps.example.com');
    assert.deepEqual(await queued(), []);
    assert.deepEqual(await rows(), []);
  });

  it('enabling HTTPS or changing another setting does not queue the wildcard by itself', async () => {
    await updateInstanceSettings(t.ctx.database.db, { acmeEmail: 'ops@example.com' });
    const effects = { enqueueCertificate: (host: string) => t.ctx.certificates.enqueue(host) };
    await updateInstanceSettings(t.ctx.database.db, { acmeDirectory: 'letsencrypt-staging' }, effects);
    assert.deepEqual(await queued(), []);
  });

  it('a new base covered by a provider gets its wildcard queued; the old wildcard row goes', async () => {
    // The wildcard of the current base, as the issuer leaves it.
    await t.db.pool.query("INSERT INTO certificates (host, hosts, status, not_after) VALUES ('*.apps.example.com', ARRAY['*.apps.example.com', 'apps.example.com'], 'valid', now() + interval '60 days')");
    const body = await setDomain('Shop.Example.com');
    assert.equal(body.domain, 'shop.example.com');
    assert.deepEqual(await queued(), ['*.shop.example.com']);
    // The renewal loop's pass gave the base (routed: the control plane answers there) no HTTP-01 row of
    // its own: the wildcard covers it.
    assert.deepEqual(await rows(), ['*.shop.example.com pending']);
  });

  it('the same domain again queues nothing more', async () => {
    await setDomain('shop.example.com');
    assert.deepEqual(await queued(), ['*.shop.example.com']);
    assert.deepEqual(await rows(), ['*.shop.example.com pending']);
  });

  it('a base no installation provider covers queues nothing (an organisation provider does not count); the stale wildcard goes', async () => {
    await setDomain('apps.example.org');
    // No wildcard: the renewal loop's pass queued the base itself over HTTP-01 instead.
    assert.deepEqual(await rows(), ['apps.example.org pending']);
    assert.deepEqual(await queued(), ['*.shop.example.com', 'apps.example.org']);
  });

  it('unsetting the base queues nothing; setting a covered one again queues its wildcard', async () => {
    await setDomain(null);
    assert.deepEqual(await rows(), []);
    assert.deepEqual(await queued(), ['*.shop.example.com', 'apps.example.org']);
    await setDomain('apps.example.com');
    assert.deepEqual(await queued(), ['*.shop.example.com', 'apps.example.org', '*.apps.example.com']);
    assert.deepEqual(await rows(), ['*.apps.example.com pending']);
  });
});
