// Renewal scheduling in the database: rows follow the routed hosts (automatic ones included, removed
// domains lose theirs, wildcard rows are left alone); a certificate is due two thirds into its lifetime,
// a failed one at its backoff; concurrent claims (several replicas) queue each due row exactly once and in
// the same transaction; uploaded certificates are never renewed; an expired one is reported failed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { testDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { SecretBox } from '../../infra/crypto/secretbox.ts';
import { updateInstanceSettings } from '../system/settings.ts';
import {
  certificateStatuses, claimDueCertificates, markCertificateFailed, renewalTime, requestCertificate, retryDelaySeconds, storeCertificate, syncCertificateHosts, validCertificates,
} from './certificates.ts';

const CHAIN = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nsecret-key\n-----END PRIVATE KEY-----\n';
const DAY = 86_400_000;

describe('certificate renewal scheduling', () => {
  let t: TestDatabase;
  const box = new SecretBox(randomBytes(32));
  const hosts = async () => (await t.db.execute<{ host: string; status: string }>(sql`SELECT host, status FROM certificates ORDER BY host`)).rows;
  const claim = async () => {
    const queued: string[] = [];
    const claimed = await claimDueCertificates(t.pool, async (host, client) => {
      // Queued inside the claim's transaction: the job row commits with it.
      await client.query("INSERT INTO jobs (type, payload, timeout_seconds) VALUES ('issue-certificate', $1, 600)", [JSON.stringify({ host })]);
      queued.push(host);
    });
    assert.deepEqual([...queued].sort(), claimed);
    return claimed;
  };

  before(async () => {
    t = await testDatabase();
    await t.db.execute(sql`WITH o AS (INSERT INTO organizations (name) VALUES ('acme-org') RETURNING id),
      p AS (INSERT INTO projects (org_id, name) SELECT id, 'shop' FROM o RETURNING id),
      e AS (INSERT INTO environments (project_id, name, kind) SELECT id, 'production', 'production' FROM p RETURNING id),
      s AS (INSERT INTO services (environment_id, name, kind, spec) SELECT id, 'web', 'app', '{"port":8080}'::jsonb FROM e RETURNING id)
      INSERT INTO domains (org_id, service_id, host, port) SELECT o.id, s.id, h, 8080 FROM o, s, unnest(ARRAY['a.example.com', 'b.example.com']) AS h`);
  });
  after(() => t.drop());
  beforeEach(async () => {
    await t.db.execute(sql`DELETE FROM certificates`);
    await t.db.execute(sql`DELETE FROM jobs`);
  });

  it('renews two thirds into the lifetime and backs off exponentially', () => {
    assert.equal(renewalTime(new Date(0), new Date(90 * DAY)).getTime(), 60 * DAY);
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 60)), [60, 120, 240, 480]);
    assert.equal(retryDelaySeconds(30, 60), 86_400, 'capped at a day');
  });

  it('gives routed hosts a pending row when HTTPS is enabled (the automatic host too) and drops rows of unrouted hosts', async () => {
    assert.deepEqual(await syncCertificateHosts(t.db, { httpsEnabled: false }), { added: [], removed: [] });
    await updateInstanceSettings(t.db, { domain: 'apps.example.com' });
    await storeCertificate(t.db, box, 'gone.example.com', { chainPem: CHAIN, keyPem: KEY, notBefore: new Date(), notAfter: new Date(Date.now() + DAY) });
    // A wildcard row is never dropped as unrouted (one covering the base domain is tested in wildcard.test.ts).
    await t.db.execute(sql`INSERT INTO certificates (host, hosts, status) VALUES ('*.other.example.com', ARRAY['*.other.example.com'], 'valid')`);
    const sync = await syncCertificateHosts(t.db, { httpsEnabled: true });
    // The base domain itself is the control plane's host (dashboard and API through the proxy).
    assert.deepEqual(sync, { added: ['a.example.com', 'apps.example.com', 'b.example.com', 'web-shop.apps.example.com'], removed: ['gone.example.com'] });
    assert.deepEqual((await hosts()).map((h) => h.host), ['*.other.example.com', 'a.example.com', 'apps.example.com', 'b.example.com', 'web-shop.apps.example.com']);
    assert.deepEqual(await syncCertificateHosts(t.db, { httpsEnabled: true }), { added: [], removed: [] }, 'idempotent');
    await updateInstanceSettings(t.db, { domain: null });
  });

  it('claims due rows once across concurrent replicas, marks them renewing or pending, and holds them off', async () => {
    const now = Date.now();
    // Due: 2/3 of 90 days passed. Not due: 1/3 passed.
    await storeCertificate(t.db, box, 'a.example.com', { chainPem: CHAIN, keyPem: KEY, notBefore: new Date(now - 61 * DAY), notAfter: new Date(now + 29 * DAY) });
    await storeCertificate(t.db, box, 'b.example.com', { chainPem: CHAIN, keyPem: KEY, notBefore: new Date(now - 30 * DAY), notAfter: new Date(now + 60 * DAY) });
    await t.db.execute(sql`INSERT INTO certificates (host, hosts, status, next_attempt_at) VALUES ('new.example.com', ARRAY['new.example.com'], 'pending', now() - interval '1 second')`);
    const results = await Promise.all([claim(), claim(), claim()]);
    assert.deepEqual(results.flat().sort(), ['a.example.com', 'new.example.com'], 'each due row claimed by exactly one replica');
    const { rows: jobs } = await t.pool.query<{ host: string }>("SELECT payload->>'host' AS host FROM jobs ORDER BY 1");
    assert.deepEqual(jobs.map((j) => j.host), ['a.example.com', 'new.example.com']);
    assert.deepEqual(await hosts(), [
      { host: 'a.example.com', status: 'renewing' },
      { host: 'b.example.com', status: 'valid' },
      { host: 'new.example.com', status: 'pending' },
    ]);
    assert.deepEqual(await claim(), [], 'held off while their jobs run');
    const status = (await certificateStatuses(t.db, ['b.example.com'])).get('b.example.com')!;
    assert.equal(status.nextAttemptAt?.getTime(), now - 30 * DAY + 60 * DAY, 'the renewal time is reported');
  });

  it('retries a failure after its backoff, doubling; keeps the last error in plain words', async () => {
    await requestCertificate(t.db, 'a.example.com');
    await markCertificateFailed(t.db, 'a.example.com', 'the challenge at http://a.example.com/… returned 404', 60);
    const next = async () => (await t.pool.query<{ s: number; failures: number }>("SELECT extract(epoch FROM next_attempt_at - now())::int AS s, failures FROM certificates WHERE host = 'a.example.com'")).rows[0]!;
    assert.deepEqual(await next(), { s: 60, failures: 1 });
    await markCertificateFailed(t.db, 'a.example.com', 'again', 60);
    assert.deepEqual(await next(), { s: 120, failures: 2 });
    assert.deepEqual(await claim(), [], 'not before its backoff');
    await t.db.execute(sql`UPDATE certificates SET next_attempt_at = now() - interval '1 second'`);
    assert.deepEqual(await claim(), ['a.example.com']);
    const s = (await certificateStatuses(t.db, ['a.example.com'])).get('a.example.com')!;
    assert.equal(s.status, 'pending');
    assert.equal(s.error, 'again', 'the last error stays visible during the retry');
  });

  it('a failed renewal keeps the still-valid certificate served and its expiry reported', async () => {
    const now = Date.now();
    await storeCertificate(t.db, box, 'a.example.com', { chainPem: CHAIN, keyPem: KEY, notBefore: new Date(now - 61 * DAY), notAfter: new Date(now + 29 * DAY) });
    assert.deepEqual(await claim(), ['a.example.com']);
    await markCertificateFailed(t.db, 'a.example.com', 'the challenge at http://a.example.com/… returned 404', 60);
    assert.deepEqual((await validCertificates(t.db, box)).map((c) => c.hosts), [['a.example.com']], 'still served');
    const s = (await certificateStatuses(t.db, ['a.example.com'])).get('a.example.com')!;
    assert.deepEqual([s.status, s.expiresAt?.getTime(), s.error], ['failed', now + 29 * DAY, 'the challenge at http://a.example.com/… returned 404']);
  });

  it('never renews an uploaded certificate, and reports an expired one failed', async () => {
    const now = Date.now();
    await storeCertificate(t.db, box, 'a.example.com', { chainPem: CHAIN, keyPem: KEY, notBefore: new Date(now - 89 * DAY), notAfter: new Date(now - 1000) }, ['a.example.com'], 'custom');
    assert.deepEqual(await claim(), []);
    await requestCertificate(t.db, 'a.example.com');
    const s = (await certificateStatuses(t.db, ['a.example.com'])).get('a.example.com')!;
    assert.equal(s.source, 'custom', 'an ACME request does not take over an uploaded certificate');
    assert.equal(s.status, 'failed');
    assert.match(s.error!, /^the uploaded certificate expired at .*: upload a new one$/);
  });
});
