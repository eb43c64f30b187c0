// ACME (RFC 8555) through acme-client: one account per installation (its key is the caller's to seal
// and keep), HTTP-01 only. The account is (re-)registered on every issuance with the same key: the CA
// returns the existing account, or makes a new one when it forgot it (`accountDoesNotExist`, e.g. a
// restarted Pebble), so there is no account URL to go stale. Must never log keys or key authorizations,
// and never answer a challenge itself: the caller's publish/withdraw hooks do (a DB table any replica serves).
import { Agent } from 'node:https';
import type * as Acme from 'acme-client';

/** `letsencrypt` (production, the default), `letsencrypt-staging`, or any https directory URL. */
export function acmeDirectoryUrl(setting: string | undefined): string {
  if (!setting || setting === 'letsencrypt') return 'https://acme-v02.api.letsencrypt.org/directory';
  if (setting === 'letsencrypt-staging') return 'https://acme-staging-v02.api.letsencrypt.org/directory';
  return setting;
}

let trustedCa: Agent | undefined;
let acmeClient: Promise<typeof Acme> | undefined;

/**
 * acme-client and its crypto libraries (~20 MiB resident) are loaded when a certificate is first issued,
 * not at boot. Every use goes through here (dns01.ts too), so an extra trusted CA is always applied.
 */
export async function loadAcme(): Promise<typeof Acme> {
  const acme = await (acmeClient ??= import('acme-client'));
  if (trustedCa) acme.axios.defaults.httpsAgent = trustedCa;
  return acme;
}

/** Trusts an extra CA for the directory's HTTPS (Pebble in tests). Process-wide: acme-client has one axios. */
export function trustAcmeCa(caPem: string): void {
  trustedCa = new Agent({ ca: caPem });
}

export async function newAccountKey(): Promise<string> {
  const acme = await loadAcme();
  return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
}

export interface HttpChallengeHooks {
  /** Make `http://<host>/.well-known/acme-challenge/<token>` answer `keyAuthorization`. */
  publish(token: string, keyAuthorization: string): Promise<void>;
  withdraw(token: string): Promise<void>;
}

export interface IssueRequest extends HttpChallengeHooks {
  directoryUrl: string;
  accountKeyPem: string;
  email: string | null;
  /** First host is the common name; all are SANs. */
  hosts: readonly string[];
}

export interface IssuedCertificate {
  chainPem: string;
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
}

export async function issueCertificate(req: IssueRequest): Promise<IssuedCertificate> {
  const acme = await loadAcme();
  const client = new acme.Client({ directoryUrl: req.directoryUrl, accountKey: req.accountKeyPem, backoffAttempts: 10, backoffMin: 200, backoffMax: 3000 });
  const [key, csr] = await acme.crypto.createCsr({ commonName: req.hosts[0]!, altNames: [...req.hosts] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
  const chainPem = await client.auto({
    csr,
    ...(req.email ? { email: req.email } : {}),
    termsOfServiceAgreed: true,
    // The CA checks from outside; a self-check from here would need the public DNS to point at us.
    skipChallengeVerification: true,
    challengePriority: ['http-01'],
    challengeCreateFn: async (_authz, challenge, keyAuthorization) => req.publish(challenge.token, keyAuthorization),
    challengeRemoveFn: async (_authz, challenge) => req.withdraw(challenge.token),
  });
  const info = acme.crypto.readCertificateInfo(chainPem);
  return { chainPem, keyPem: key.toString(), notBefore: info.notBefore, notAfter: info.notAfter };
}

/** The CA's reason in plain words (acme-client throws Errors whose message carries the problem detail). */
export function acmeFailureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').slice(0, 500);
}
