// Uploaded certificates are accepted only when the key matches, the chain is in order and signed, nothing
// is expired, and the leaf covers the host (one-label wildcards included); each refusal names the field.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { Invalid } from '../errors.ts';
import { validateCustomCertificate } from './custom.ts';
import { makeTestCerts } from './test-certs.test-support.ts';

const certs = makeTestCerts(['shop.example.com', '*.apps.example.com']);
const chain = certs.leafPem + certs.caPem;

function refusal(fn: () => unknown): { path: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Invalid, String(err));
    return err.issues[0]!;
  }
  assert.fail('expected a refusal');
}

describe('validateCustomCertificate', () => {
  it('accepts a matching key and an ordered chain that covers the host, and reports the expiry', () => {
    const valid = validateCustomCertificate('shop.example.com', { certificatePem: chain, keyPem: certs.leafKeyPem });
    assert.deepEqual(valid.names, ['shop.example.com', '*.apps.example.com']);
    assert.equal(valid.notAfter.getTime(), new Date(new X509Certificate(certs.leafPem).validTo).getTime());
    assert.match(valid.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(valid.chainPem.match(/BEGIN CERTIFICATE/g)?.length, 2);
    assert.ok(validateCustomCertificate('web.apps.example.com', { certificatePem: certs.leafPem, keyPem: certs.leafKeyPem }), 'a wildcard covers one label');
  });

  it('refuses a key of another certificate', () => {
    assert.deepEqual(refusal(() => validateCustomCertificate('shop.example.com', { certificatePem: chain, keyPem: certs.otherKeyPem })), {
      path: 'body/keyPem',
      message: 'the private key does not match certificate 1 (shop.example.com)',
    });
  });

  it('refuses another host (a wildcard never covers two labels or the apex)', () => {
    for (const host of ['other.example.com', 'a.b.apps.example.com', 'apps.example.com']) {
      const issue = refusal(() => validateCustomCertificate(host, { certificatePem: chain, keyPem: certs.leafKeyPem }));
      assert.equal(issue.path, 'body/certificatePem');
      assert.equal(issue.message, `certificate 1 (shop.example.com) is for shop.example.com, *.apps.example.com, not ${host}`);
    }
  });

  it('refuses an expired or not yet valid certificate', () => {
    const later = new Date(Date.now() + 3 * 86_400_000);
    assert.match(refusal(() => validateCustomCertificate('shop.example.com', { certificatePem: chain, keyPem: certs.leafKeyPem }, later)).message, /^certificate 1 \(shop\.example\.com\) expired at \d{4}-/);
    const earlier = new Date(Date.now() - 86_400_000);
    assert.match(refusal(() => validateCustomCertificate('shop.example.com', { certificatePem: chain, keyPem: certs.leafKeyPem }, earlier)).message, /is not valid before/);
  });

  it('refuses a chain out of order or not signed by the next certificate', () => {
    const stranger = makeTestCerts(['shop.example.com']);
    assert.match(refusal(() => validateCustomCertificate('shop.example.com', { certificatePem: certs.leafPem + stranger.caPem, keyPem: certs.leafKeyPem })).message,
      /^certificate 1 \(shop\.example\.com\) is not signed by certificate 2 \(Berth Test CA\)/);
    const reversed = refusal(() => validateCustomCertificate('shop.example.com', { certificatePem: certs.caPem + certs.leafPem, keyPem: certs.leafKeyPem }));
    assert.equal(reversed.path, 'body/keyPem', 'the first certificate must be the one the key belongs to');
  });

  it('refuses what is not PEM', () => {
    assert.equal(refusal(() => validateCustomCertificate('shop.example.com', { certificatePem: 'hello', keyPem: certs.leafKeyPem })).path, 'body/certificatePem');
    assert.equal(refusal(() => validateCustomCertificate('shop.example.com', { certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', keyPem: certs.leafKeyPem })).message,
      'certificate 1 of the chain is not a valid X.509 certificate');
    assert.equal(refusal(() => validateCustomCertificate('shop.example.com', { certificatePem: chain, keyPem: 'nope' })).path, 'body/keyPem');
  });
});
