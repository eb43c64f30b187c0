// Certificates Berth issues (HTTP-01, issue 6): one row per host with its status, the chain and the
// private key sealed with the SecretBox (AAD bound to the row), and the installation's ACME account key
// per directory (sealed, AAD bound to the directory URL). The `issue-certificate` job runs one issuance:
// account, challenge published through the acme_challenges table (any replica answers it), the CA's
// verdict stored, and the routes reconciled so Caddy serves the new certificate.
// Must never log or return a private key except to the route planner (planRoutes renders it for Caddy).
import { and, eq, gt, inArray, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { acmeAccounts, certificates, type CertificateStatus } from '../../db/schema/index.ts';
import { acmeFailureReason, issueCertificate, newAccountKey, type IssuedCertificate, type IssueRequest } from '../../infra/acme/client.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import { defineJob, type JobContext, type JobQueue } from '../../jobs/index.ts';
import { HOSTNAME, type TlsCertificate } from '../../plan/routes.ts';
import { publishChallenge, withdrawChallenge } from './challenge-server.ts';
import { WILDCARD_NAME } from '../../infra/dns01/provider.ts';
import { desiredDomains } from '../domains/routing.ts';
import { getInstanceSettings, updateInstanceSettings } from '../system/settings.ts';

const keyAad = (certificateId: string) => `certificates/${certificateId}/key_sealed`;
const accountAad = (directoryUrl: string) => `acme_accounts/${directoryUrl}/key_sealed`;

export interface TlsStatus {
  status: CertificateStatus;
  expiresAt: Date | null;
  error: string | null;
}

/** Status per host (hosts without a row are absent). */
export async function certificateStatuses(db: Db, hosts: readonly string[]): Promise<Map<string, TlsStatus>> {
  if (hosts.length === 0) return new Map();
  const rows = await db
    .select({ host: certificates.host, status: certificates.status, notAfter: certificates.notAfter, lastError: certificates.lastError })
    .from(certificates)
    .where(inArray(certificates.host, [...hosts]));
  return new Map(rows.map((r) => [r.host, { status: r.status, expiresAt: r.notAfter ?? null, error: r.lastError }]));
}

/** Marks a host as wanting a certificate: a new row is `pending`, a valid one `renewing`, a failed one `pending` again. */
export async function requestCertificate(db: Db, host: string): Promise<void> {
  await db.execute(sql`INSERT INTO certificates (host, hosts, status) VALUES (${host}, ARRAY[${host}]::text[], 'pending')
    ON CONFLICT (host) DO UPDATE SET status = CASE WHEN certificates.status IN ('valid', 'renewing') THEN 'renewing' ELSE 'pending' END, updated_at = now()`);
}

/** Stores an issued certificate (key sealed, bound to the row) and marks it valid. */
export async function storeCertificate(db: Db, box: SecretBox, host: string, cert: IssuedCertificate, hosts: readonly string[] = [host]): Promise<void> {
  await requestCertificate(db, host);
  const [row] = await db.select({ id: certificates.id }).from(certificates).where(eq(certificates.host, host));
  await db
    .update(certificates)
    .set({
      hosts: [...hosts],
      status: 'valid',
      chainPem: cert.chainPem,
      keySealed: box.seal(cert.keyPem, keyAad(row!.id)),
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      lastError: null,
      failures: 0,
      nextAttemptAt: null,
      updatedAt: new Date(),
    })
    .where(eq(certificates.id, row!.id));
}

/** Records a failed issuance in plain words; a still-valid certificate keeps being served. */
export async function markCertificateFailed(db: Db, host: string, reason: string): Promise<void> {
  await db.execute(sql`INSERT INTO certificates (host, hosts, status, last_error, failures) VALUES (${host}, ARRAY[${host}]::text[], 'failed', ${reason}, 1)
    ON CONFLICT (host) DO UPDATE SET status = 'failed', last_error = ${reason}, failures = certificates.failures + 1, updated_at = now()`);
}

/** What planRoutes({ certificates }) needs: unexpired certificates with a chain and a key, keys opened. */
export async function validCertificates(db: Db, box: SecretBox): Promise<TlsCertificate[]> {
  const rows = await db
    .select({ id: certificates.id, hosts: certificates.hosts, chainPem: certificates.chainPem, keySealed: certificates.keySealed })
    .from(certificates)
    .where(and(isNotNull(certificates.chainPem), isNotNull(certificates.keySealed), gt(certificates.notAfter, new Date())))
    .orderBy(certificates.host);
  const out: TlsCertificate[] = [];
  for (const r of rows) {
    let keyPem: string;
    try {
      keyPem = box.open(r.keySealed!, keyAad(r.id));
    } catch {
      continue; // a key that does not open (other master key, moved row) is never served; reissuing replaces it
    }
    out.push({ hosts: r.hosts.filter((h) => HOSTNAME.test(h) || WILDCARD_NAME.test(h)), certificatePem: r.chainPem!, keyPem });
  }
  return out;
}

/** The installation's ACME account key for a directory: created and sealed on first use (race-safe). */
export async function acmeAccountKey(db: Db, box: SecretBox, directoryUrl: string): Promise<string> {
  const read = async () => (await db.select({ keySealed: acmeAccounts.keySealed }).from(acmeAccounts).where(eq(acmeAccounts.directoryUrl, directoryUrl)))[0];
  let row = await read();
  if (!row) {
    await db.insert(acmeAccounts).values({ directoryUrl, keySealed: box.seal(await newAccountKey(), accountAad(directoryUrl)) }).onConflictDoNothing();
    row = await read();
  }
  return box.open(row!.keySealed, accountAad(directoryUrl));
}

export interface CertificateIssuerOptions {
  db: Db;
  box: SecretBox;
  directoryUrl: string;
  /** Re-pushes the route table (Platform.reconcileRoutes); absent or failing: the next reconcile serves it. */
  reconcileRoutes?: () => Promise<void>;
  /** The ACME exchange (tests replace it). */
  issue?: (req: IssueRequest) => Promise<IssuedCertificate>;
  /** Issues `*.` hosts over DNS-01 (core/certificates/wildcard.ts); without it they are skipped. */
  wildcard?: (host: string, jobCtx?: Pick<JobContext, 'log'>) => Promise<IssueOutcome>;
}

export type IssueOutcome = { host: string; status: 'valid'; expiresAt: string } | { host: string; status: 'failed'; error: string } | { host: string; status: 'skipped'; reason: string };

export class CertificateIssuer {
  constructor(private readonly opts: CertificateIssuerOptions) {}

  /** Issues (or renews) the certificate of one routed host. Never throws for the CA's refusal: it is stored. */
  async run(host: string, jobCtx?: Pick<JobContext, 'log'>): Promise<IssueOutcome> {
    const { db, box, directoryUrl } = this.opts;
    const { acmeEmail } = await getInstanceSettings(db);
    if (!acmeEmail) return { host, status: 'skipped', reason: 'HTTPS is not enabled (POST /api/ssl)' };
    if (WILDCARD_NAME.test(host)) return this.opts.wildcard ? this.opts.wildcard(host, jobCtx) : { host, status: 'skipped', reason: 'a wildcard needs DNS-01 (no wildcard issuer configured)' };
    const routed = new Set((await desiredDomains(db)).filter((d) => d.upstream || d.redirect).map((d) => d.host));
    if (!routed.has(host)) return { host, status: 'skipped', reason: `${host} is not routed any more` };
    await requestCertificate(db, host);
    let cert: IssuedCertificate;
    try {
      const accountKeyPem = await acmeAccountKey(db, box, directoryUrl);
      cert = await (this.opts.issue ?? issueCertificate)({
        directoryUrl,
        accountKeyPem,
        email: acmeEmail,
        hosts: [host],
        publish: (token, keyAuthorization) => publishChallenge(db, token, keyAuthorization),
        withdraw: (token) => withdrawChallenge(db, token),
      });
    } catch (err) {
      const error = `the certificate authority did not issue a certificate for ${host}: ${acmeFailureReason(err)}`;
      await markCertificateFailed(db, host, error);
      await jobCtx?.log(error);
      return { host, status: 'failed', error };
    }
    await storeCertificate(db, box, host, cert);
    await jobCtx?.log(`certificate for ${host} issued, valid until ${cert.notAfter.toISOString()}`);
    try {
      await this.opts.reconcileRoutes?.();
    } catch (err) {
      await jobCtx?.log(`certificate stored; the proxy will load it on the next route update (${(err as Error).message})`);
    }
    return { host, status: 'valid', expiresAt: cert.notAfter.toISOString() };
  }
}

export const issueCertificatePayload = z.object({ host: z.string().max(253).refine((h) => HOSTNAME.test(h) || WILDCARD_NAME.test(h), 'expected a hostname or *.hostname') });

export function issueCertificateJobType(run: (host: string, ctx: JobContext) => Promise<unknown>) {
  return defineJob({
    name: 'issue-certificate',
    schema: issueCertificatePayload,
    maxAttempts: 1,
    timeoutSeconds: 600,
    handler: (payload, ctx) => run(payload.host, ctx),
  });
}

export type IssueCertificateJobType = ReturnType<typeof issueCertificateJobType>;

/** What the API asks of certificates: enable HTTPS, queue issuance for a host, read statuses. */
export class Certificates {
  constructor(private readonly deps: { db: Db; queue: Pick<JobQueue, 'enqueue'>; jobType: IssueCertificateJobType }) {}

  /** Queues issuance for a host when HTTPS is enabled; returns whether it did. */
  async enqueue(host: string): Promise<boolean> {
    const { acmeEmail } = await getInstanceSettings(this.deps.db);
    if (!acmeEmail) return false;
    await requestCertificate(this.deps.db, host);
    await this.deps.queue.enqueue({ type: this.deps.jobType, payload: { host } });
    return true;
  }

  /** Stores the ACME contact (enables HTTPS) and queues issuance for every routed host. */
  async enable(email: string): Promise<{ hosts: string[] }> {
    await updateInstanceSettings(this.deps.db, { acmeEmail: email });
    const hosts = [...new Set((await desiredDomains(this.deps.db)).map((d) => d.host))].sort();
    for (const host of hosts) await this.enqueue(host);
    return { hosts };
  }

  statuses(hosts: readonly string[]): Promise<Map<string, TlsStatus>> {
    return certificateStatuses(this.deps.db, hosts);
  }
}
