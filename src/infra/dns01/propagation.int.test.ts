// The propagation checks against a real authoritative server (the test bed's BIND): a provider's
// waitUntilVisible returns once the TXT value is answered there and times out, in words, when it never is.
// The Cloudflare provider is pointed at BIND as its "nameservers" (its own API is not called for this).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CloudflareProvider } from './cloudflare.ts';
import { parseDnsServer } from './dns-wire.ts';
import { Dns01Error } from './provider.ts';
import { Rfc2136Provider } from './rfc2136.ts';

const zone = process.env.TEST_BIND_ZONE;
const missing = !zone || !process.env.TEST_BIND_SERVER || !process.env.TEST_BIND_KEY_NAME || !process.env.TEST_BIND_KEY_SECRET;

describe('DNS-01 propagation checks (BIND)', { skip: missing ? 'no BIND (run scripts/testbed/up.sh)' : false }, () => {
  const server = parseDnsServer(process.env.TEST_BIND_SERVER ?? '127.0.0.1:5354');
  const bind = () => new Rfc2136Provider({ server, zone: zone!, key: { name: process.env.TEST_BIND_KEY_NAME!, secret: process.env.TEST_BIND_KEY_SECRET! } });
  const cloudflare = () => new CloudflareProvider({ apiToken: 'unused-token-for-this-test', zone: zone!, zoneId: '0'.repeat(32), checkServers: [server] });

  it('waits until the value is answered by the authoritative servers', async () => {
    const fqdn = `_acme-challenge.p${randomBytes(4).toString('hex')}.${zone}`;
    const writer = bind();
    // Published a moment after the wait starts: the check must poll, not look once.
    const waiting = cloudflare().waitUntilVisible(fqdn, 'late-value', { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await writer.present(fqdn, 'late-value');
    const started = Date.now();
    await waiting;
    assert.ok(Date.now() - started < 5000);
    await writer.waitUntilVisible(fqdn, 'late-value', { timeoutMs: 2000 });
    await writer.cleanup(fqdn, 'late-value');
  });

  it('times out with the name and the servers asked when the value never shows up', async () => {
    const fqdn = `_acme-challenge.never.${zone}`;
    await assert.rejects(bind().waitUntilVisible(fqdn, 'never-there', { timeoutMs: 1200 }), (err: Error) => {
      assert.ok(err instanceof Dns01Error);
      assert.match(err.message, new RegExp(`the TXT record ${fqdn.replace(/\./g, '\\.')} did not become visible on ${server.host}:${server.port} within 1 s`));
      return true;
    });
  });

  it('stops waiting when the job is cancelled', async () => {
    const controller = new AbortController();
    const waiting = bind().waitUntilVisible(`_acme-challenge.cancelled.${zone}`, 'x', { timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('job cancelled')), 300);
    await assert.rejects(waiting, /job cancelled/);
  });
});
