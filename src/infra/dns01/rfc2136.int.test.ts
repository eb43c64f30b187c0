// The RFC 2136 provider against the test bed's BIND (scripts/testbed/bind.sh): signed updates add and
// remove exactly one TXT value, seen by a plain DNS query; a wrong TSIG secret or key name fails in words.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { exchange, parseDnsServer, queryTxt } from './dns-wire.ts';
import { Dns01Error } from './provider.ts';
import { Rfc2136Provider, type Rfc2136Options } from './rfc2136.ts';
import { readTsig, signMessage, verifyResponse } from './tsig.ts';

const env = { server: process.env.TEST_BIND_SERVER, zone: process.env.TEST_BIND_ZONE, name: process.env.TEST_BIND_KEY_NAME, secret: process.env.TEST_BIND_KEY_SECRET };
const missing = !env.server || !env.zone || !env.name || !env.secret;

describe('RFC 2136 provider (BIND)', { skip: missing ? 'no BIND (run scripts/testbed/up.sh)' : false }, () => {
  const server = parseDnsServer(env.server!);
  const options = (over: Partial<Rfc2136Options> = {}): Rfc2136Options => ({ server, zone: env.zone!, key: { name: env.name!, secret: env.secret! }, ...over });
  const unique = () => `_acme-challenge.t${randomBytes(4).toString('hex')}.${env.zone}`;

  /** What `dig TXT name @server` shows, straight from dns-packet over UDP (not through the provider). */
  async function digTxt(name: string): Promise<string[]> {
    const reply = packet.decode(await exchange(server, packet.encode({ type: 'query', id: 4242, flags: 0, questions: [{ type: 'TXT', class: 'IN', name }] })));
    return (reply.answers ?? []).filter((a) => a.type === 'TXT').map((a) => ([] as Buffer[]).concat(a.data as Buffer[]).map(String).join(''));
  }

  for (const transport of ['udp', 'tcp'] as const) {
    it(`present adds the TXT value, cleanup removes only it (${transport})`, async () => {
      const provider = new Rfc2136Provider(options({ transport }));
      const fqdn = unique();
      assert.deepEqual(await digTxt(fqdn), []);
      await provider.present(fqdn, 'first-value');
      await provider.present(fqdn, 'second-value'); // a wildcard and its base share one name
      await provider.present(fqdn, 'first-value'); // idempotent
      assert.deepEqual((await digTxt(fqdn)).sort(), ['first-value', 'second-value']);
      await provider.waitUntilVisible(fqdn, 'second-value', { timeoutMs: 5000 });
      await provider.cleanup(fqdn, 'first-value');
      assert.deepEqual(await digTxt(fqdn), ['second-value']);
      await provider.cleanup(fqdn, 'second-value');
      await provider.cleanup(fqdn, 'second-value'); // absent: nothing to do
      assert.deepEqual(await digTxt(fqdn), []);
    });
  }

  it('a TXT answer too big for UDP is read again over TCP (TC flag)', async () => {
    const provider = new Rfc2136Provider(options());
    const fqdn = unique();
    const values = ['a', 'b', 'c'].map((c) => c.repeat(200));
    for (const v of values) await provider.present(fqdn, v);
    const query = packet.encode({ type: 'query', id: 99, flags: 0, questions: [{ type: 'TXT', class: 'IN', name: fqdn }] });
    const udp = await new Promise<Buffer>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('message', (m) => (socket.close(), resolve(m)));
      socket.once('error', reject);
      socket.send(query, server.port, server.host);
    });
    assert.ok(udp.readUInt16BE(2) & 0x0200, 'the plain UDP answer is truncated');
    assert.deepEqual((await queryTxt(server, fqdn)).sort(), values);
    for (const v of values) await provider.cleanup(fqdn, v);
    assert.deepEqual(await queryTxt(server, fqdn), []);
  });

  it('verifies the server\'s signed answer (and rejects one whose MAC was tampered with)', async () => {
    const key = { name: env.name!, secret: env.secret! };
    const query = packet.encode({ type: 'query', id: 77, flags: 0, questions: [{ type: 'SOA', class: 'IN', name: env.zone! }] });
    const { signed, mac } = signMessage(query, key);
    const reply = await exchange(server, signed);
    assert.ok(readTsig(reply), 'BIND signs its answer to a signed query');
    assert.deepEqual(verifyResponse(reply, mac, key), { ok: true });
    const tampered = Buffer.from(reply);
    tampered[tampered.length - 10]! ^= 0xff; // inside the MAC
    assert.equal(verifyResponse(tampered, mac, key).ok, false);
    assert.equal(verifyResponse(reply, mac, { ...key, secret: randomBytes(32).toString('base64') }).ok, false);
  });

  it('a wrong TSIG secret fails with BADSIG in plain words, and nothing is written', async () => {
    const fqdn = unique();
    const provider = new Rfc2136Provider(options({ key: { name: env.name!, secret: randomBytes(32).toString('base64') } }));
    await assert.rejects(provider.present(fqdn, 'nope'), (err: Error) => {
      assert.ok(err instanceof Dns01Error);
      assert.match(err.message, /BADSIG: the signature did not verify — the TSIG secret does not match/);
      assert.match(err.message, /NOTAUTH/);
      return true;
    });
    assert.deepEqual(await queryTxt(server, fqdn), []);
  });

  it('an unknown key name fails with BADKEY', async () => {
    const provider = new Rfc2136Provider(options({ key: { name: 'no-such-key', secret: randomBytes(32).toString('base64') } }));
    await assert.rejects(provider.present(unique(), 'nope'), /BADKEY: the server does not know this TSIG key name/);
  });

  it('a name outside the zone, or a zone the server does not serve, is refused in words', async () => {
    const provider = new Rfc2136Provider(options());
    await assert.rejects(provider.present('_acme-challenge.example.org', 'v'), /not inside the zone/);
    const otherZone = new Rfc2136Provider(options({ zone: 'not-served.test' }));
    await assert.rejects(otherZone.present('_acme-challenge.not-served.test', 'v'), /NOTAUTH|REFUSED/);
  });

  it('a server that does not answer is reported with its address', async () => {
    const provider = new Rfc2136Provider(options({ server: { host: '127.0.0.1', port: 9 }, timeoutMs: 300 }));
    await assert.rejects(provider.present(unique(), 'v'), /127\.0\.0\.1:9 did not answer/);
  });
});
