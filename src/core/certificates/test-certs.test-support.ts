// Test support: certificates made with the openssl CLI (argv only) in a temporary directory — a CA, a leaf
// it signs for given DNS names, and a stray key — for the custom-certificate checks.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  caPem: string;
  leafPem: string;
  leafKeyPem: string;
  /** A key that belongs to no certificate here. */
  otherKeyPem: string;
}

export function makeTestCerts(names: string[], days = 2): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'berth-certs-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    openssl('req', '-x509', ...ec, '-days', '30', '-subj', '/CN=Berth Test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
    openssl('req', ...ec, '-subj', `/CN=${names[0]}`, '-keyout', 'leaf.key', '-out', 'leaf.csr');
    writeFileSync(join(dir, 'ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
    openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', String(days), '-extfile', 'ext', '-out', 'leaf.pem');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'other.key');
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return { caPem: read('ca.pem'), leafPem: read('leaf.pem'), leafKeyPem: read('leaf.key'), otherKeyPem: read('other.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
