// DNS-01 issuance against the test bed's dedicated Pebble, which validates through the test BIND
// (scripts/testbed/bind.sh): a certificate for `*.<name>` and `<name>` (a fresh name inside the zone) with the TXT records put in place
// by RFC 2136 and removed afterwards; a provider that cannot publish fails with its reason.
import assert from 'node:assert/strict';
import { X509Certificate, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { parseDnsServer, queryTxt } from '../dns01/dns-wire.ts';
import { Rfc2136Provider } from '../dns01/rfc2136.ts';
import { newAccountKey, trustAcmeCa } from './client.ts';
import { issueCertificateDns01 } from './dns01.ts';

const directory = process.env.TEST_DNS01_ACME_DIRECTORY;
const caFile = process.env.TEST_PEBBLE_TLS_CA;
const zone = process.env.TEST_BIND_ZONE;
const missing = !directory || !caFile || !zone || !process.env.TEST_BIND_SERVER;

describe('issueCertificateDns01 (Pebble validating through BIND)', { skip: missing ? 'no DNS-01 test bed (run scripts/testbed/up.sh)' : false }, () => {
  const server = parseDnsServer(process.env.TEST_BIND_SERVER ?? '127.0.0.1:5354');
  const provider = () => new Rfc2136Provider({ server, zone: zone!, key: { name: process.env.TEST_BIND_KEY_NAME!, secret: process.env.TEST_BIND_KEY_SECRET! } });

  before(() => trustAcmeCa(readFileSync(caFile!, 'utf8')));

  it('issues a wildcard certificate for *.name and name, then removes the TXT records', async () => {
    // A name of its own under the zone: other test files may validate names in the zone at the same time.
    const name = `w${randomBytes(3).toString('hex')}.${zone}`;
    const lines: string[] = [];
    const started = Date.now();
    const cert = await issueCertificateDns01({
      directoryUrl: directory!,
      accountKeyPem: await newAccountKey(),
      email: 'ops@example.com',
      hosts: [`*.${name}`, name],
      provider: provider(),
      propagationTimeoutMs: 10_000,
      log: (line) => void lines.push(line),
    });
    const x509 = new X509Certificate(cert.chainPem);
    assert.deepEqual((x509.subjectAltName ?? '').split(', ').sort(), [`DNS:*.${name}`, `DNS:${name}`]);
    assert.ok(x509.checkHost(`web-shop.${name}`), 'the wildcard covers an app host');
    assert.ok(!x509.checkHost(`a.b.${name}`), 'but not a deeper name');
    assert.ok(cert.notAfter.getTime() > Date.now());
    assert.equal(lines.filter((l) => l.startsWith(`TXT _acme-challenge.${name} published`)).length, 2);
    assert.deepEqual(await queryTxt(server, `_acme-challenge.${name}`), [], 'both challenge values removed');
    console.log(`dns-01 wildcard issuance took ${Date.now() - started} ms`);
  });

  it('fails with the provider\'s reason when the record cannot be published', async () => {
    const wrongKey = new Rfc2136Provider({ server, zone: zone!, key: { name: process.env.TEST_BIND_KEY_NAME!, secret: randomBytes(32).toString('base64') } });
    await assert.rejects(
      issueCertificateDns01({ directoryUrl: directory!, accountKeyPem: await newAccountKey(), email: null, hosts: [`x.${zone}`], provider: wrongKey }),
      /BADSIG/,
    );
  });
});
