// issueCertificate against the test bed's Pebble (scripts/testbed/pebble.sh): HTTP-01 answered by a
// tiny server on Pebble's httpPort 5002 (every name resolves to 127.0.0.1 through pebble-challtestsrv).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { acmeDirectoryUrl, issueCertificate, newAccountKey, trustAcmeCa } from './client.ts';

const directory = process.env.TEST_ACME_DIRECTORY;
const caFile = process.env.TEST_PEBBLE_TLS_CA;

describe('issueCertificate (Pebble)', { skip: !directory || !caFile ? 'no Pebble (run scripts/testbed/up.sh)' : false }, () => {
  const answers = new Map<string, string>();
  let server: Server;

  before(async () => {
    trustAcmeCa(readFileSync(caFile!, 'utf8'));
    server = createServer((req, res) => {
      const token = req.url?.split('/').pop() ?? '';
      const answer = answers.get(token);
      res.writeHead(answer ? 200 : 404).end(answer ?? 'unknown token');
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(5002, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const hooks = {
    publish: async (token: string, keyAuthorization: string) => void answers.set(token, keyAuthorization),
    withdraw: async (token: string) => void answers.delete(token),
  };

  it('issues a certificate for the hosts, and withdraws the challenge afterwards', async () => {
    const accountKeyPem = await newAccountKey();
    const cert = await issueCertificate({ directoryUrl: directory!, accountKeyPem, email: 'ops@example.com', hosts: ['app.example.test', 'www.app.example.test'], ...hooks });
    assert.match(cert.chainPem, /^-----BEGIN CERTIFICATE-----/);
    assert.match(cert.keyPem, /PRIVATE KEY-----/);
    assert.ok(cert.notAfter.getTime() > Date.now());
    assert.equal(answers.size, 0);
    // Same account key again: the CA returns the existing account.
    const again = await issueCertificate({ directoryUrl: directory!, accountKeyPem, email: 'ops@example.com', hosts: ['app.example.test'], ...hooks });
    assert.ok(again.notAfter.getTime() > Date.now());
  });

  it('fails with the CA\'s reason when the challenge is not answered', async () => {
    const ignore = { publish: async () => {}, withdraw: async () => {} };
    await assert.rejects(
      issueCertificate({ directoryUrl: directory!, accountKeyPem: await newAccountKey(), email: null, hosts: ['nobody.example.test'], ...ignore }),
      (err: Error) => /404|unauthorized|invalid/i.test(err.message),
    );
  });

  it('maps directory aliases', () => {
    assert.equal(acmeDirectoryUrl(undefined), 'https://acme-v02.api.letsencrypt.org/directory');
    assert.equal(acmeDirectoryUrl('letsencrypt-staging'), 'https://acme-staging-v02.api.letsencrypt.org/directory');
    assert.equal(acmeDirectoryUrl('https://127.0.0.1:14000/dir'), 'https://127.0.0.1:14000/dir');
  });
});
