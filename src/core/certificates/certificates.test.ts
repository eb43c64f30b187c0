// Certificates: keys sealed and bound to their row, statuses in plain words, only unexpired
// certificates reach the route planner, and one issuance (CA replaced by a fake) publishes its
// challenge through the database, stores the result or the reason, and reconciles the routes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { testDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { SecretBox } from '../../infra/crypto/secretbox.ts';
import type { IssueRequest } from '../../infra/acme/client.ts';
import { updateInstanceSettings } from '../system/settings.ts';
import { challengeAnswer } from './challenge-server.ts';
import { acmeAccountKey, CertificateIssuer, certificateStatuses, storeCertificate, validCertificates } from './certificates.ts';

const CHAIN = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nsecret-key\n-----END PRIVATE KEY-----\n';

describe('certificates', () => {
  let t: TestDatabase;
  const box = new SecretBox(randomBytes(32));
  before(async () => {
    t = await testDatabase();
    const { rows } = await t.db.execute<{ id: string }>(sql`WITH o AS (INSERT INTO organizations (name) VALUES ('acme-org') RETURNING id),
      p AS (INSERT INTO projects (org_id, name) SELECT id, 'shop' FROM o RETURNING id),
      e AS (INSERT INTO environments (project_id, name, kind) SELECT id, 'production', 'production' FROM p RETURNING id),
      s AS (INSERT INTO services (environment_id, name, kind, spec) SELECT id, 'web', 'app', '{}'::jsonb FROM e RETURNING id)
      INSERT INTO domains (org_id, service_id, host, port) SELECT o.id, s.id, h, 8080 FROM o, s, unnest(ARRAY['shop.example.com', 'bad.example.com']) AS h RETURNING service_id AS id`);
    assert.equal(rows.length, 2);
  });
  after(() => t.drop());

  it('seals keys bound to their row and serves only unexpired certificates', async () => {
    const now = Date.now();
    await storeCertificate(t.db, box, 'a.example.com', { chainPem: CHAIN, keyPem: KEY, notBefore: new Date(now - 1000), notAfter: new Date(now + 86_400_000) });
    await storeCertificate(t.db, box, 'old.example.com', { chainPem: CHAIN, keyPem: KEY, notBefore: new Date(now - 2000), notAfter: new Date(now - 1000) });
    const { rows } = await t.db.execute<{ key_sealed: string }>(sql`SELECT key_sealed FROM certificates WHERE host = 'a.example.com'`);
    assert.ok(!rows[0]!.key_sealed.includes('secret-key'));
    assert.deepEqual(await validCertificates(t.db, box), [{ hosts: ['a.example.com'], certificatePem: CHAIN, keyPem: KEY }]);
    // A sealed key copied to another row does not open there: that certificate is not served.
    await t.db.execute(sql`UPDATE certificates SET key_sealed = ${rows[0]!.key_sealed}, not_after = now() + interval '1 day' WHERE host = 'old.example.com'`);
    assert.deepEqual((await validCertificates(t.db, box)).map((c) => c.hosts[0]), ['a.example.com']);
    const statuses = await certificateStatuses(t.db, ['a.example.com', 'none.example.com']);
    assert.equal(statuses.get('a.example.com')?.status, 'valid');
    assert.equal(statuses.has('none.example.com'), false);
    await t.db.execute(sql`DELETE FROM certificates`);
  });

  it('keeps one sealed account key per directory', async () => {
    const a = await acmeAccountKey(t.db, box, 'https://ca.example/dir');
    assert.equal(await acmeAccountKey(t.db, box, 'https://ca.example/dir'), a);
    assert.notEqual(await acmeAccountKey(t.db, box, 'https://other.example/dir'), a);
    const { rows } = await t.db.execute<{ key_sealed: string }>(sql`SELECT key_sealed FROM acme_accounts`);
    assert.ok(rows.every((r) => r.key_sealed.startsWith('v1:')));
  });

  it('issues through a published challenge, records a refusal in plain words, and reconciles the routes', async () => {
    let reconciled = 0;
    const seen: string[] = [];
    const issue = async (req: IssueRequest) => {
      await req.publish('tok-abc', 'tok-abc.thumb');
      seen.push((await challengeAnswer(t.db, 'tok-abc')) ?? 'none');
      await req.withdraw('tok-abc');
      if (req.hosts[0] === 'bad.example.com') throw new Error('urn:ietf:params:acme:error:unauthorized: Invalid response from http://bad.example.com: 404');
      return { chainPem: CHAIN, keyPem: KEY, notBefore: new Date(), notAfter: new Date(Date.now() + 90 * 86_400_000) };
    };
    const issuer = new CertificateIssuer({ db: t.db, box, directoryUrl: 'https://ca.example/dir', issue, reconcileRoutes: async () => void reconciled++ });
    assert.equal((await issuer.run('shop.example.com')).status, 'skipped', 'not enabled without an ACME e-mail');
    await updateInstanceSettings(t.db, { acmeEmail: 'ops@example.com' });
    assert.equal((await issuer.run('unrouted.example.com')).status, 'skipped');
    const ok = await issuer.run('shop.example.com');
    assert.equal(ok.status, 'valid');
    assert.deepEqual(seen, ['tok-abc.thumb']);
    assert.equal(await challengeAnswer(t.db, 'tok-abc'), undefined);
    assert.equal(reconciled, 1);
    const failed = await issuer.run('bad.example.com');
    assert.equal(failed.status, 'failed');
    const statuses = await certificateStatuses(t.db, ['shop.example.com', 'bad.example.com']);
    assert.equal(statuses.get('shop.example.com')?.status, 'valid');
    assert.ok(statuses.get('shop.example.com')?.expiresAt);
    assert.equal(statuses.get('bad.example.com')?.status, 'failed');
    assert.match(statuses.get('bad.example.com')?.error ?? '', /^the challenge at http:\/\/bad\.example\.com\/\.well-known\/acme-challenge\/… returned 404/);
    assert.deepEqual((await validCertificates(t.db, box)).map((c) => c.hosts), [['shop.example.com']]);
  });
});
