// Uploaded (custom) certificates: a PEM chain (leaf first) and its private key for one routed host.
// Accepted only when the key matches the leaf, each certificate is signed by the next one, none is expired
// or not yet valid, and the leaf names the host (SAN, one-label wildcards included). Stored like an ACME
// certificate (key sealed, bound to the row) with source `custom`: served by the proxy, expiry tracked,
// never renewed by Berth. Must never echo the key back, nor accept a chain it could not parse entirely.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { certificates } from '../../db/schema/index.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import { Invalid } from '../errors.ts';
import { storeCertificate } from './certificates.ts';

export const customCertificateInput = z.object({
  certificatePem: z.string().min(1).max(64 * 1024).describe('PEM chain: the certificate for the host first, then its intermediates'),
  keyPem: z.string().min(1).max(16 * 1024).describe('PEM private key of the first certificate (unencrypted)'),
});

export interface ValidCustomCertificate {
  chainPem: string;
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
  /** The DNS names the leaf covers (SAN, else its common name). */
  names: string[];
}

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const CERT = 'body/certificatePem';
const KEY = 'body/keyPem';

function describe(cert: X509Certificate, index: number): string {
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1];
  return `certificate ${index + 1}${cn ? ` (${cn})` : ''}`;
}

export function certificateNames(cert: X509Certificate): string[] {
  const san = (cert.subjectAltName ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('DNS:'))
    .map((part) => part.slice(4).toLowerCase());
  if (san.length > 0) return san;
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/** Checks an uploaded chain and key for `host` at `now`; Invalid naming the field and the problem otherwise. */
export function validateCustomCertificate(host: string, input: z.infer<typeof customCertificateInput>, now = new Date()): ValidCustomCertificate {
  const blocks = input.certificatePem.match(BLOCK) ?? [];
  if (blocks.length === 0) throw new Invalid([{ path: CERT, message: 'expected PEM certificates (-----BEGIN CERTIFICATE-----)' }]);
  if (blocks.length > 10) throw new Invalid([{ path: CERT, message: 'expected at most 10 certificates in the chain' }]);
  const chain: X509Certificate[] = [];
  blocks.forEach((block, i) => {
    try {
      chain.push(new X509Certificate(block));
    } catch {
      throw new Invalid([{ path: CERT, message: `certificate ${i + 1} of the chain is not a valid X.509 certificate` }]);
    }
  });
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: input.keyPem, format: 'pem' });
  } catch {
    throw new Invalid([{ path: KEY, message: 'expected an unencrypted PEM private key (RSA, EC or Ed25519)' }]);
  }
  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key)) throw new Invalid([{ path: KEY, message: `the private key does not match ${describe(leaf, 0)}` }]);
  chain.forEach((cert, i) => {
    const from = new Date(cert.validFrom);
    const to = new Date(cert.validTo);
    if (to <= now) throw new Invalid([{ path: CERT, message: `${describe(cert, i)} expired at ${to.toISOString()}` }]);
    if (from > now) throw new Invalid([{ path: CERT, message: `${describe(cert, i)} is not valid before ${from.toISOString()}` }]);
    const issuer = chain[i + 1];
    if (issuer && !(cert.checkIssued(issuer) && cert.verify(issuer.publicKey))) {
      throw new Invalid([{ path: CERT, message: `${describe(cert, i)} is not signed by ${describe(issuer, i + 1)}: put the chain in order, the host's certificate first` }]);
    }
  });
  const names = certificateNames(leaf);
  if (!leaf.checkHost(host, { subject: 'default', wildcards: true, partialWildcards: false, multiLabelWildcards: false })) {
    throw new Invalid([{ path: CERT, message: `${describe(leaf, 0)} is for ${names.join(', ') || 'no DNS name'}, not ${host}` }]);
  }
  const times = chain.map((c) => new Date(c.validTo).getTime());
  return {
    chainPem: chain.map((c) => c.toString().trim()).join('\n') + '\n',
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(Math.min(...times)),
    names,
  };
}

/** Validates and stores an uploaded certificate for a host (replacing an ACME one). */
export async function storeCustomCertificate(db: Db, box: SecretBox, host: string, input: z.infer<typeof customCertificateInput>): Promise<ValidCustomCertificate> {
  const valid = validateCustomCertificate(host, input);
  await storeCertificate(db, box, host, valid, [host], 'custom');
  return valid;
}

/** Removes a host's uploaded certificate; false when it has none. */
export async function removeCustomCertificate(db: Db, host: string): Promise<boolean> {
  const removed = await db.delete(certificates).where(and(eq(certificates.host, host), eq(certificates.source, 'custom'))).returning({ id: certificates.id });
  return removed.length > 0;
}
