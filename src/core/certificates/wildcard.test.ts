// The base domain's wildcard in the certificate store: hosts it covers get no certificate of their own
// (neither from the renewal loop's sync nor from a queued issuance) and report the wildcard's status; the
// issue-certificate job accepts `*.` hosts and hands them to WildcardIssuer, which stores `*.base` + base
// with the key sealed, or the provider's reason in words. The ACME exchange itself is replaced here; it
// runs for real against Pebble and BIND in wildcard.int.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { testDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { SecretBox } from '../../infra/crypto/secretbox.ts';
import { Dns01Error } from '../../infra/dns01/provider.ts';
import { addDnsProvider } from '../dns-providers/dns-providers.ts';
import { updateInstanceSettings } from '../system/settings.ts';
import { CertificateIssuer, certificateStatuses, Certificates, issueCertificatePayload, issueCertificateJobType, syncCertificateHosts, validCertificates } from './certificates.ts';
import { WildcardIssuer } from './wildcard.ts';

const CHAIN = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nwildcard-secret-key\n-----END PRIVATE KEY-----\n';
const DAY = 86_400_000;
const BASE = 'apps.example.com';

describe('the base domain wildcard in the certificate store', () => {
  let t: TestDatabase;
  const box = new SecretBox(randomBytes(32));
  const rows = async () => (await t.db.execute<{ host: string; status: string }>(sql`SELECT host, status FROM certificates ORDER BY host`)).rows;
  const requests: { hosts: readonly string[]; provider: string; directoryUrl: string }[] = [];
  let outcome: 'issue' | 'refuse' = 'issue';
  let wildcard: WildcardIssuer;
  const newWildcardIssuer = () => new WildcardIssuer({
    db: t.db,
    box,
    directoryUrl: 'https://ca.example.test/dir',
    issue: async (req) => {
      requests.push({ hosts: req.hosts, provider: req.provider.type, directoryUrl: req.directoryUrl });
      if (outcome === 'refuse') throw new Dns01Error('the DNS server 192.0.2.53:53 rejected the update: BADSIG: the signature did not verify');
      return { chainPem: CHAIN, keyPem: KEY, notBefore: new Date(), notAfter: new Date(Date.now() + 90 * DAY) };
    },
  });

  before(async () => {
    t = await testDatabase();
    wildcard = newWildcardIssuer();
    await t.db.execute(sql`WITH o AS (INSERT INTO organizations (name) VALUES ('acme-org') RETURNING id),
      p AS (INSERT INTO projects (org_id, name) SELECT id, 'shop' FROM o RETURNING id),
      e AS (INSERT INTO environments (project_id, name, kind) SELECT id, 'production', 'production' FROM p RETURNING id),
      s AS (INSERT INTO services (environment_id, name, kind, spec) SELECT id, 'web', 'app', '{"port":8080}'::jsonb FROM e RETURNING id)
      INSERT INTO domains (org_id, service_id, host, port) SELECT o.id, s.id, 'shop.example.org', 8080 FROM o, s`);
    await updateInstanceSettings(t.db, { domain: BASE, acmeEmail: 'ops@example.com' });
    await addDnsProvider(t.db, box, { orgId: null, input: { type: 'rfc2136', name: 'bind', zone: 'example.com', server: '192.0.2.53', keyName: 'acme', keySecret: randomBytes(32).toString('base64'), algorithm: 'hmac-sha256', transport: 'udp' } });
  });
  after(() => t.drop());
  beforeEach(async () => {
    await t.db.execute(sql`DELETE FROM certificates`);
    requests.length = 0;
    outcome = 'issue';
  });

  it('the job hands *.base to the wildcard issuer, which stores *.base + base with the key sealed', async () => {
    assert.ok(issueCertificatePayload.safeParse({ host: `*.${BASE}` }).success);
    assert.ok(!issueCertificatePayload.safeParse({ host: `*.*.${BASE}` }).success);
    const issuer = new CertificateIssuer({ db: t.db, box, directoryUrl: 'https://ca.example.test/dir', wildcard: (host, ctx) => wildcard.run(host, ctx) });
    const lines: string[] = [];
    const result = await issuer.run(`*.${BASE}`, { log: async (line) => void lines.push(line) });
    assert.equal(result.status, 'valid', JSON.stringify(result));
    assert.deepEqual(requests, [{ hosts: [`*.${BASE}`, BASE], provider: 'rfc2136', directoryUrl: 'https://ca.example.test/dir' }]);
    assert.match(lines[0]!, /over DNS-01 through the rfc2136 provider "bind" \(zone example\.com\)/);
    const [row] = (await t.db.execute<{ hosts: string[]; status: string; key_sealed: string }>(sql`SELECT hosts, status, key_sealed FROM certificates WHERE host = ${`*.${BASE}`}`)).rows;
    assert.deepEqual(row!.hosts, [`*.${BASE}`, BASE]);
    assert.ok(!row!.key_sealed.includes('wildcard-secret-key'), 'the key is sealed');
    const served = await validCertificates(t.db, box);
    assert.deepEqual(served.map((c) => c.hosts), [[`*.${BASE}`, BASE]], 'the wildcard name reaches the planner');
    assert.equal(served[0]!.keyPem, KEY);
  });

  it('uses the ACME directory chosen in the instance settings over the configured one', async () => {
    await updateInstanceSettings(t.db, { acmeDirectory: 'letsencrypt-staging' });
    try {
      assert.equal((await wildcard.run(`*.${BASE}`)).status, 'valid');
      assert.equal(requests[0]!.directoryUrl, 'https://acme-staging-v02.api.letsencrypt.org/directory');
    } finally {
      await updateInstanceSettings(t.db, { acmeDirectory: null });
    }
  });

  it('a refusal is stored on the wildcard row in words, and every covered host reports it', async () => {
    outcome = 'refuse';
    const result = await wildcard.run(`*.${BASE}`);
    assert.equal(result.status, 'failed');
    const statuses = await certificateStatuses(t.db, [`web-shop.${BASE}`, 'shop.example.org']);
    const covered = statuses.get(`web-shop.${BASE}`);
    assert.equal(covered?.status, 'failed');
    assert.match(covered!.error!, /^no wildcard certificate for \*\.apps\.example\.com: the DNS server 192\.0\.2\.53:53 rejected the update: BADSIG/);
    assert.equal(statuses.has('shop.example.org'), false, 'a host outside the base has no status yet');
    assert.equal(statuses.has(`a.b.${BASE}`), false);
  });

  it('hosts under the wildcard get no certificate of their own: not from the sync, not from a queued issuance', async () => {
    await wildcard.run(`*.${BASE}`);
    const queued: unknown[] = [];
    const certs = new Certificates({ db: t.db, pool: t.pool, queue: { enqueue: async (job: unknown) => void queued.push(job) } as never, jobType: issueCertificateJobType(async () => undefined) });
    const sync = await syncCertificateHosts(t.db, { httpsEnabled: true });
    assert.ok(!sync.added.includes(`web-shop.${BASE}`), 'the automatic host is covered');
    assert.ok(sync.added.includes('shop.example.org'));
    assert.equal(await certs.enqueue(BASE), false, 'the base name itself is in the wildcard certificate');
    assert.equal(await certs.enqueue(`web-shop.${BASE}`), false);
    assert.equal(await certs.enqueue('shop.example.org'), true);
    assert.equal(queued.length, 1);
    assert.ok(!(await rows()).some((r) => r.host === `web-shop.${BASE}` || r.host === BASE));
    const statuses = await certificateStatuses(t.db, [`web-shop.${BASE}`, BASE]);
    assert.equal(statuses.get(`web-shop.${BASE}`)?.status, 'valid');
    assert.equal(statuses.get(BASE)?.status, 'valid');
  });

  it('drops a wildcard that is not the base domain\'s any more, and fails in words without a covering provider', async () => {
    await t.db.execute(sql`INSERT INTO certificates (host, hosts, status) VALUES ('*.old.example.net', ARRAY['*.old.example.net', 'old.example.net'], 'renewing')`);
    assert.equal((await wildcard.run('*.old.example.net')).status, 'skipped');
    assert.deepEqual(await rows(), [], 'neither renewed nor served any more');
    await updateInstanceSettings(t.db, { domain: 'apps.example.net' });
    try {
      const result = await wildcard.run('*.apps.example.net');
      assert.equal(result.status, 'failed');
      assert.match((result as { error: string }).error, /no installation DNS provider has a zone covering apps\.example\.net/);
      assert.equal(requests.length, 0);
    } finally {
      await updateInstanceSettings(t.db, { domain: BASE });
    }
  });
});
