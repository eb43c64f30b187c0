// DNS-01 providers through the API: installation providers for instance administrators, organisation
// providers for org admins; secrets sealed and never returned; bad or missing credentials → 400 naming
// the field with nothing stored; the base domain's wildcard is queued only when its prerequisites hold.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { ownerMemberOutsider, userClient, type Client } from '../../test/support/client.ts';
import { dumpDatabase } from '../../test/support/dump.ts';

const TSIG_SECRET = 'bs+ixYnV04mxVS/afbuJ+cOyOqm2jDBpIeXTqZNNeBM=';
const CF_TOKEN = 'Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const rfc2136 = { type: 'rfc2136', name: 'bind', zone: 'apps.example.com', server: '192.0.2.53:53', keyName: 'berth-acme', keySecret: TSIG_SECRET };
const cloudflare = { type: 'cloudflare', name: 'cf', zone: 'example.org', apiToken: CF_TOKEN, zoneId: '023e105f4ecef8ad9ca31a8372d0c353' };
const route53 = { type: 'route53', name: 'aws', zone: 'example.net', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: AWS_SECRET, hostedZoneId: 'Z1D633PJN98FT9' };

describe('DNS providers API', () => {
  let t: TestApp;
  let owner: Client;
  let member: Client;
  let outsider: Client;
  const rows = async () => Number((await t.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM dns_providers')).rows[0]!.n);
  const wildcardJobs = async () => (await t.db.pool.query("SELECT 1 FROM jobs WHERE type = 'issue-certificate' AND payload->>'host' LIKE '*.%'")).rowCount;

  before(async () => {
    t = await testApp();
    ({ owner, member, outsider } = await ownerMemberOutsider(t.api, t.setupToken));
  });
  after(() => t.close());

  it('adds installation providers of each type; answers never carry a secret', async () => {
    for (const input of [rfc2136, cloudflare, route53]) {
      const res = await owner.post('/api/dns-providers', input);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.type, input.type);
      assert.equal(res.body.zone, input.zone);
      for (const secret of [TSIG_SECRET, CF_TOKEN, AWS_SECRET]) assert.ok(!JSON.stringify(res.body).includes(secret));
    }
    const list = await owner.get('/api/dns-providers');
    assert.deepEqual(list.body.map((p: { name: string }) => p.name), ['aws', 'bind', 'cf']);
    assert.deepEqual(list.body.find((p: { name: string }) => p.name === 'bind').settings, { server: '192.0.2.53:53', keyName: 'berth-acme', algorithm: 'hmac-sha256', transport: 'udp' });
    assert.deepEqual(list.body.find((p: { name: string }) => p.name === 'aws').settings, { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', hostedZoneId: 'Z1D633PJN98FT9' });
    const { text } = await dumpDatabase(t.db.pool, t.db.url);
    for (const secret of [TSIG_SECRET, CF_TOKEN, AWS_SECRET]) assert.ok(!text.includes(secret), 'no plaintext secret in the database');
  });

  it('missing or malformed credentials → 400 naming the field, nothing stored', async () => {
    const before = await rows();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...rfc2136, name: 'b1', keySecret: undefined }, 'body/keySecret'], // "required: the base64 TSIG secret"
      [{ ...rfc2136, name: 'b2', keySecret: 'not base64!' }, 'body/keySecret'],
      [{ ...rfc2136, name: 'b3', server: 'ns1.example.com:99999' }, 'body/server'],
      [{ ...rfc2136, name: 'b4', server: 'ns1;rm -rf /' }, 'body/server'],
      [{ ...rfc2136, name: 'b5', keyName: 'Bad Key' }, 'body/keyName'],
      [{ ...rfc2136, name: 'b6', algorithm: 'hmac-md5' }, 'body/algorithm'],
      [{ ...cloudflare, name: 'c1', apiToken: undefined }, 'body/apiToken'],
      [{ ...cloudflare, name: 'c2', apiToken: 'short' }, 'body/apiToken'],
      [{ ...cloudflare, name: 'c3', zoneId: 'xyz' }, 'body/zoneId'],
      [{ ...route53, name: 'r1', secretAccessKey: undefined }, 'body/secretAccessKey'],
      [{ ...route53, name: 'r2', accessKeyId: 'akia-lowercase' }, 'body/accessKeyId'],
      [{ ...route53, name: 'r3', zone: '*.example.net' }, 'body/zone'],
      [{ ...route53, name: 'Bad Name' }, 'body/name'],
      [{ ...cloudflare, name: 'c4', keySecret: TSIG_SECRET }, 'body'], // a field of another type
      [{ ...cloudflare, type: 'godaddy', name: 'g1' }, 'body/type'],
    ];
    for (const [input, path] of cases) {
      const res = await owner.post('/api/dns-providers', input);
      assert.equal(res.status, 400, `${JSON.stringify(input)} → ${res.status} ${JSON.stringify(res.body)}`);
      const paths = (res.body.issues as { path: string }[]).map((i) => i.path);
      assert.ok(paths.some((p) => p === path || (path === 'body' && p.startsWith('body'))), `${path} not named in ${JSON.stringify(res.body)}`);
    }
    assert.equal(await rows(), before);
  });

  it('a second provider with the same name in one scope is a conflict; removal works once', async () => {
    assert.equal((await owner.post('/api/dns-providers', rfc2136)).status, 409);
    const id = (await owner.get('/api/dns-providers')).body.find((p: { name: string }) => p.name === 'cf').id;
    assert.equal((await owner.delete(`/api/dns-providers/${id}`)).status, 200);
    assert.equal((await owner.delete(`/api/dns-providers/${id}`)).status, 404);
  });

  it('installation providers are for instance administrators; organisation ones for org admins', async () => {
    const bob = await userClient(t.api, owner, 'bob-dns');
    assert.equal((await bob.get('/api/dns-providers')).status, 403);
    assert.equal((await bob.post('/api/dns-providers', { ...rfc2136, name: 'x' })).status, 403);
    assert.equal((await member.post('/api/orgs/acme/dns-providers', { ...rfc2136, name: 'm' })).status, 403);
    assert.equal((await outsider.get('/api/orgs/acme/dns-providers')).status, 404);
    const added = await owner.post('/api/orgs/acme/dns-providers', { ...cloudflare, name: 'org-cf' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.deepEqual((await member.get('/api/orgs/acme/dns-providers')).body.map((p: { name: string }) => p.name), ['org-cf']);
    // Scopes are separate: the installation list does not show it, and the same name is free there.
    assert.ok(!(await owner.get('/api/dns-providers')).body.some((p: { name: string }) => p.name === 'org-cf'));
    assert.equal((await owner.delete(`/api/dns-providers/${added.body.id}`)).status, 404);
    assert.equal((await owner.delete(`/api/orgs/acme/dns-providers/${added.body.id}`)).status, 200);
  });

  it('the wildcard needs a base domain, HTTPS enabled and a provider covering it; then it is queued', async () => {
    const wildcard = () => owner.post('/api/ssl/wildcard');
    const field = async (path: string) => {
      const res = await wildcard();
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.issues[0].path, path, JSON.stringify(res.body));
    };
    await field('domain');
    assert.equal((await owner.patch('/api/settings', { domain: 'apps.example.com' })).status, 200);
    await field('acmeEmail');
    assert.equal((await owner.post('/api/ssl', { email: 'ops@example.com' })).status, 200);
    const bind = (await owner.get('/api/dns-providers')).body.find((p: { name: string }) => p.name === 'bind');
    assert.equal((await owner.delete(`/api/dns-providers/${bind.id}`)).status, 200);
    await field('dnsProvider');
    assert.equal(await wildcardJobs(), 0);
    assert.equal((await owner.post('/api/dns-providers', { ...rfc2136, zone: 'example.com' })).status, 201);
    const res = await wildcard();
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(res.body, { host: '*.apps.example.com', hosts: ['*.apps.example.com', 'apps.example.com'], dnsProvider: 'bind', queued: true });
    assert.equal(await wildcardJobs(), 1);
    const row = (await t.db.pool.query("SELECT status FROM certificates WHERE host = '*.apps.example.com'")).rows[0];
    assert.equal(row?.status, 'pending');
  });
});
