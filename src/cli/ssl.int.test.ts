// HTTPS from the terminal against a real `berth server` with the ingress off: `berth ssl enable` (with a
// directory), `berth ssl status`, the TLS column of `berth domains`, `berth domains tls`, and
// `berth certificates upload/remove` — refusals name the problem, the key never appears in any output.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTestCerts } from '../core/certificates/test-certs.test-support.ts';
import { noStack, startCliServer, type CliServer } from './test-fixtures/cli-server.ts';

const SCOPE = ['--project', 'shop'];

describe('berth ssl, domains tls and certificates against a real server', () => {
  let s: CliServer;
  let dir: string;
  const certs = makeTestCerts(['shop.example.com']);

  before(async () => {
    s = await startCliServer({ BERTH_INGRESS: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'berth-cli-certs-'));
    writeFileSync(join(dir, 'chain.pem'), certs.leafPem + certs.caPem);
    writeFileSync(join(dir, 'key.pem'), certs.leafKeyPem);
    writeFileSync(join(dir, 'other.key'), certs.otherKeyPem);
    assert.equal((await s.berth(['project', 'create', 'shop'])).code, 0);
    assert.equal((await s.berth(['service', 'create', 'web', ...SCOPE, '--image', 'nginx:1.27', '--port', '80'])).code, 0);
    // The domain row as the API writes it (the API refuses domain changes with the ingress off).
    await s.db.pool.query(
      "INSERT INTO domains (org_id, service_id, host, path_prefix, port) SELECT p.org_id, s.id, 'shop.example.com', '/', 80 FROM services s JOIN environments e ON e.id = s.environment_id JOIN projects p ON p.id = e.project_id",
    );
    assert.equal((await s.berth(['config', 'set', 'domain', 'apps.example.com'])).code, 0);
  });

  after(async () => {
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ssl status before enabling says how to enable it', async () => {
    const res = await s.berth(['ssl', 'status']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^HTTPS is not enabled: `berth ssl enable --email <address>`\.$/m);
  });

  it('ssl enable stores the contact and the directory and issues for every routed host', async () => {
    const res = await s.berth(['ssl', 'enable', '--email', 'ops@example.com', '--directory', 'letsencrypt-staging']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /HTTPS enabled: ACME account ops@example\.com at https:\/\/acme-staging-v02\.api\.letsencrypt\.org\/directory\./);
    assert.match(res.stdout, /Issuing certificates for apps\.example\.com, shop\.example\.com, web-shop\.apps\.example\.com/);
    const bad = await s.berth(['ssl', 'enable', '--email', 'ops@example.com', '--directory', 'http://insecure.example/dir']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /directory/);
    noStack(bad.stderr);
  });

  it('ssl status and domains show each host\'s certificate state in plain words', async () => {
    await s.db.pool.query(
      "UPDATE certificates SET status = 'failed', last_error = 'the challenge at http://shop.example.com/.well-known/acme-challenge/… returned 404 instead of the key authorization' WHERE host = 'shop.example.com'",
    );
    const status = await s.berth(['ssl', 'status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^HOST\s+CERTIFICATE\s+NEXT ATTEMPT$/m);
    assert.match(status.stdout, /^shop\.example\.com\s+failed: the challenge at http:\/\/shop\.example\.com\/\.well-known\/acme-challenge\/… returned 404/m);
    assert.match(status.stdout, /^web-shop\.apps\.example\.com\s+pending\s+\d{4}-/m);
    const domains = await s.berth(['domains', 'web', ...SCOPE]);
    assert.equal(domains.code, 0, domains.stderr);
    assert.match(domains.stdout, /^HOST\s+PATH\s+PORT\s+TLS\s+ADDED$/m);
    assert.match(domains.stdout, /^shop\.example\.com\s+\/\s+80\s+failed: the challenge at/m);
  });

  it('certificates upload refuses a mismatched key naming it, then serves a valid upload (the key is never printed)', async () => {
    const bad = await s.berth(['certificates', 'upload', 'web', 'shop.example.com', ...SCOPE, '--cert', join(dir, 'chain.pem'), '--key', join(dir, 'other.key')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /keyPem: the private key does not match certificate 1 \(shop\.example\.com\)/);
    noStack(bad.stderr);
    const missing = await s.berth(['certificates', 'upload', 'web', 'shop.example.com', ...SCOPE, '--cert', join(dir, 'nope.pem'), '--key', join(dir, 'key.pem')]);
    assert.match(missing.stderr, /cannot read the certificate file .*nope\.pem: ENOENT/);
    const ok = await s.berth(['certificates', 'upload', 'web', 'shop.example.com', ...SCOPE, '--cert', join(dir, 'chain.pem'), '--key', join(dir, 'key.pem')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^Serving the uploaded certificate for shop\.example\.com \(covers shop\.example\.com\), valid until \d{4}-/);
    const json = await s.berth(['domains', 'web', ...SCOPE, '--json']);
    assert.ok(!json.stdout.includes('PRIVATE KEY'));
    const listed = (JSON.parse(json.stdout) as { host: string; tls: { source: string; status: string } }[]).find((d) => d.host === 'shop.example.com')!;
    assert.deepEqual([listed.tls.source, listed.tls.status], ['custom', 'valid']);
    assert.match((await s.berth(['domains', 'web', ...SCOPE])).stdout, /^shop\.example\.com\s+\/\s+80\s+valid until \d{4}-\d\d-\d\d \d\d:\d\d \(uploaded\)/m);
    const removed = await s.berth(['certificates', 'remove', 'web', 'shop.example.com', ...SCOPE]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Removed the uploaded certificate of shop\.example\.com\. Berth now issues one over ACME\./);
  });

  it('domains tls shows and changes HTTPS, the redirect and HSTS', async () => {
    const show = await s.berth(['domains', 'tls', 'web', 'shop.example.com', ...SCOPE]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^HTTPS:\s+on \(once a certificate is valid\)$/m);
    assert.match(show.stdout, /^HSTS:\s+off$/m);
    const set = await s.berth(['domains', 'tls', 'web', 'shop.example.com', ...SCOPE, '--hsts', '31536000', '--redirect', 'off']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^Redirect:\s+off: plain HTTP keeps serving$/m);
    assert.match(set.stdout, /^HSTS:\s+max-age=31536000$/m);
    const off = await s.berth(['domains', 'tls', 'web', 'shop.example.com', ...SCOPE, '--https', 'off']);
    assert.equal(off.code, 0, off.stderr);
    assert.match((await s.berth(['domains', 'web', ...SCOPE])).stdout, /^shop\.example\.com\s+\/\s+80\s+off \(HTTP only\)/m);
    const bad = await s.berth(['domains', 'tls', 'web', 'shop.example.com', ...SCOPE, '--https', 'maybe']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--https: expected on or off/);
  });
});
