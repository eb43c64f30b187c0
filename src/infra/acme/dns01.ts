// ACME issuance with DNS-01 (needed for wildcards): for each authorization the TXT record
// `_acme-challenge.<name>` gets the challenge's digest through a DNS-01 provider (infra/dns01), the
// provider confirms it is visible where the CA looks, then the CA is told to validate; the record is
// removed afterwards whatever the outcome. Account handling as in client.ts (same key, re-registered).
// Changes to one record name are serialised: `*.example.com` and `example.com` share a name, and a
// read-modify-write provider (Route 53) would otherwise lose one value. Must never log key authorizations.
import type { Dns01Provider } from '../dns01/provider.ts';
import { challengeRecordName } from '../dns01/provider.ts';
import { loadAcme, type IssuedCertificate } from './client.ts';

export interface Dns01IssueRequest {
  directoryUrl: string;
  accountKeyPem: string;
  email: string | null;
  /** First host is the common name; all are SANs. `*.example.com` is allowed (DNS-01 only). */
  hosts: readonly string[];
  provider: Dns01Provider;
  /** How long to wait for the record to be visible; default 120 s. */
  propagationTimeoutMs?: number;
  signal?: AbortSignal;
  /** Progress lines for the job log (never secrets). */
  log?: (line: string) => void | Promise<void>;
}

/** Runs `task` after every earlier task with the same key has settled. */
function serialiser(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, task) => {
    const run = (tails.get(key) ?? Promise.resolve()).catch(() => undefined).then(task);
    tails.set(key, run);
    return run;
  };
}

export async function issueCertificateDns01(req: Dns01IssueRequest): Promise<IssuedCertificate> {
  const acme = await loadAcme();
  const client = new acme.Client({ directoryUrl: req.directoryUrl, accountKey: req.accountKeyPem, backoffAttempts: 10, backoffMin: 200, backoffMax: 3000 });
  const [key, csr] = await acme.crypto.createCsr({ commonName: req.hosts[0]!, altNames: [...req.hosts] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
  const serial = serialiser();
  const chainPem = await client.auto({
    csr,
    ...(req.email ? { email: req.email } : {}),
    termsOfServiceAgreed: true,
    // acme-client's own check asks the system resolver; the provider knows where the CA will look.
    skipChallengeVerification: true,
    challengePriority: ['dns-01'],
    challengeCreateFn: async (authz, _challenge, keyAuthorization) => {
      const name = challengeRecordName(authz.identifier.value);
      await serial(name, () => req.provider.present(name, keyAuthorization));
      await req.log?.(`TXT ${name} published through ${req.provider.type}; waiting until it is visible`);
      await req.provider.waitUntilVisible(name, keyAuthorization, { timeoutMs: req.propagationTimeoutMs ?? 120_000, ...(req.signal ? { signal: req.signal } : {}) });
    },
    challengeRemoveFn: async (authz, _challenge, keyAuthorization) => {
      const name = challengeRecordName(authz.identifier.value);
      await serial(name, () => req.provider.cleanup(name, keyAuthorization));
    },
  });
  const info = acme.crypto.readCertificateInfo(chainPem);
  return { chainPem, keyPem: key.toString(), notBefore: info.notBefore, notAfter: info.notAfter };
}
