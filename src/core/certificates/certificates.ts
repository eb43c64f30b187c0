// Certificates Berth issues (HTTP-01, issue 6): one row per host with its status, the chain and the
// private key sealed with the SecretBox (AAD bound to the row), and the installation's ACME account key
// per directory (sealed, AAD bound to the directory URL). The `issue-certificate` job runs one issuance:
// account, challenge published through the acme_challenges table (any replica answers it), the CA's
// verdict stored, and the routes reconciled so Caddy serves the new certificate. The renewal loop (tick)
// claims due rows here: two thirds into a certificate's lifetime, or at `next_attempt_at` after a failure
// (exponential backoff). Custom (uploaded) certificates are stored here too and never renewed.
// Must never log or return a private key except to the route planner (planRoutes renders it for Caddy).
import { and, eq, gt, inArray, isNotNull, like, sql } from 'drizzle-orm';
import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { acmeAccounts, certificates, type CertificateStatus } from '../../db/schema/index.ts';
import { acmeDirectoryUrl, issueCertificate, newAccountKey, type IssuedCertificate, type IssueRequest } from '../../infra/acme/client.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import { defineJob, type JobContext, type JobQueue } from '../../jobs/index.ts';
import { certificateCovers, HOSTNAME, type TlsCertificate } from '../../plan/routes.ts';
import { publishChallenge, withdrawChallenge } from './challenge-server.ts';
import { WILDCARD_NAME } from '../../infra/dns01/provider.ts';
import { plainAcmeFailure } from './failure.ts';
import { deleteHostTlsSettings } from './host-settings.ts';
import { desiredDomains } from '../domains/routing.ts';
import { getInstanceSettings, updateInstanceSettings, type InstanceSettings } from '../system/settings.ts';

const keyAad = (certificateId: string) => `certificates/${certificateId}/key_sealed`;
const accountAad = (directoryUrl: string) => `acme_accounts/${directoryUrl}/key_sealed`;

export interface TlsStatus {
  status: CertificateStatus;
  /** `acme` (issued and renewed by Berth) or `custom` (uploaded). */
  source: 'acme' | 'custom';
  expiresAt: Date | null;
  /** The last failure in plain words (kept while a retry runs). */
  error: string | null;
  /** When Berth tries again after a failure, or renews (ACME only). */
  nextAttemptAt: Date | null;
}

/** How long a claimed issuance may take before the renewal loop queues it again (a lost job). */
export const ISSUE_HOLD_SECONDS = 900;

/** Status per host (hosts without a row are absent). An expired certificate is reported failed. */
export async function certificateStatuses(db: Db, hosts: readonly string[], now = new Date()): Promise<Map<string, TlsStatus>> {
  if (hosts.length === 0) return new Map();
  const rows = await db
    .select({
      host: certificates.host, status: certificates.status, source: certificates.source, notBefore: certificates.notBefore, notAfter: certificates.notAfter,
      lastError: certificates.lastError, nextAttemptAt: certificates.nextAttemptAt,
    })
    .from(certificates)
    .where(inArray(certificates.host, [...hosts]));
  const statuses = new Map<string, TlsStatus>(rows.map((r) => {
    const expired = r.notAfter !== null && r.notAfter <= now && (r.status === 'valid' || r.source === 'custom');
    const status: CertificateStatus = expired ? 'failed' : r.status;
    const error = expired
      ? `the ${r.source === 'custom' ? 'uploaded ' : ''}certificate expired at ${r.notAfter!.toISOString()}${r.source === 'custom' ? ': upload a new one' : ''}`
      : r.lastError;
    const renewAt = r.source === 'acme' && r.status === 'valid' && r.notBefore && r.notAfter ? renewalTime(r.notBefore, r.notAfter) : null;
    return [r.host, { status, source: r.source, expiresAt: r.notAfter ?? null, error, nextAttemptAt: r.nextAttemptAt ?? renewAt }];
  }));
  // A host without a certificate of its own reports the base domain's wildcard that covers it (DNS-01).
  const uncovered = hosts.filter((h) => !statuses.has(h) && !WILDCARD_NAME.test(h));
  const wildcards = uncovered.length > 0 ? await certificateStatuses(db, await wildcardNames(db), now) : new Map<string, TlsStatus>();
  for (const host of uncovered) {
    const covering = [...wildcards.keys()].find((name) => wildcardCovers(name, host));
    if (covering) statuses.set(host, wildcards.get(covering)!);
  }
  return statuses;
}

/** The wildcard rows (`*.<base>`, issued over DNS-01). */
async function wildcardNames(db: Db): Promise<string[]> {
  return (await db.select({ host: certificates.host }).from(certificates).where(like(certificates.host, '*.%'))).map((r) => r.host);
}

/** `*.<base>` is issued together with `<base>` (wildcard.ts): it covers both. */
function wildcardCovers(wildcard: string, host: string): boolean {
  return certificateCovers([wildcard, wildcard.slice(2)], host);
}

/** A host a wildcard row covers needs no certificate of its own (its status is the wildcard's). */
function coveredByWildcard(wildcards: readonly string[], host: string): boolean {
  return !WILDCARD_NAME.test(host) && wildcards.some((wildcard) => wildcardCovers(wildcard, host));
}

/**
 * The hosts the proxy serves, sorted: every routed domain (automatic ones included) and the base domain
 * itself, where the control plane (dashboard and API) answers through the proxy unless a domain takes it.
 */
export async function routedHosts(db: Db): Promise<string[]> {
  const hosts = new Set((await desiredDomains(db)).filter((d) => d.upstream || d.redirect).map((d) => d.host));
  const { domain } = await getInstanceSettings(db);
  if (domain) hosts.add(domain);
  return [...hosts].sort();
}

/** Every certificate row with its status (hosts sorted), for `GET /api/ssl`. */
export async function listCertificates(db: Db): Promise<(TlsStatus & { host: string; hosts: string[] })[]> {
  const rows = await db.select({ host: certificates.host, hosts: certificates.hosts }).from(certificates).orderBy(certificates.host);
  const statuses = await certificateStatuses(db, rows.map((r) => r.host));
  return rows.map((r) => ({ host: r.host, hosts: r.hosts, ...statuses.get(r.host)! }));
}

/** Two thirds into the certificate's lifetime (Let's Encrypt's 90 days: renewed with 30 left). */
export function renewalTime(notBefore: Date, notAfter: Date): Date {
  return new Date(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
}

/** Exponential backoff after the n-th consecutive failure (1 → base, 2 → 2×base …), capped. */
export function retryDelaySeconds(failures: number, baseSeconds: number, maxSeconds = 86_400): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, Math.min(failures, 40) - 1));
}

/**
 * Marks a host as wanting a certificate: a new row is `pending`, one with an unexpired certificate
 * `renewing`, a failed one `pending` again. Its next attempt is held off while the queued job runs.
 */
export async function requestCertificate(db: Db, host: string): Promise<void> {
  await db.execute(sql`INSERT INTO certificates (host, hosts, status, next_attempt_at) VALUES (${host}, ARRAY[${host}]::text[], 'pending', now() + make_interval(secs => ${ISSUE_HOLD_SECONDS}))
    ON CONFLICT (host) DO UPDATE SET
      status = CASE WHEN certificates.chain_pem IS NOT NULL AND certificates.not_after > now() THEN 'renewing' ELSE 'pending' END,
      next_attempt_at = EXCLUDED.next_attempt_at, updated_at = now()
      WHERE certificates.source = 'acme'`);
}

/** Stores an issued certificate (key sealed, bound to the row) and marks it valid. */
export async function storeCertificate(
  db: Db, box: SecretBox, host: string, cert: IssuedCertificate, hosts: readonly string[] = [host], source: 'acme' | 'custom' = 'acme',
): Promise<void> {
  await db.execute(sql`INSERT INTO certificates (host, hosts, status, source) VALUES (${host}, ARRAY[${host}]::text[], 'pending', ${source}) ON CONFLICT (host) DO NOTHING`);
  const [row] = await db.select({ id: certificates.id }).from(certificates).where(eq(certificates.host, host));
  await db
    .update(certificates)
    .set({
      hosts: [...hosts],
      source,
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
    // An ACME result never replaces a certificate uploaded while it was being issued.
    .where(source === 'acme' ? and(eq(certificates.id, row!.id), eq(certificates.source, 'acme')) : eq(certificates.id, row!.id));
}

/**
 * Records a failed issuance in plain words and when to try again (backoff doubling from `retryBaseSeconds`);
 * a still-valid certificate keeps being served.
 */
export async function markCertificateFailed(db: Db, host: string, reason: string, retryBaseSeconds = 60): Promise<void> {
  await db.execute(sql`INSERT INTO certificates (host, hosts, status, last_error, failures, next_attempt_at)
    VALUES (${host}, ARRAY[${host}]::text[], 'failed', ${reason}, 1, now() + make_interval(secs => ${retryDelaySeconds(1, retryBaseSeconds)}))
    ON CONFLICT (host) DO UPDATE SET status = 'failed', last_error = ${reason}, failures = certificates.failures + 1,
      next_attempt_at = now() + make_interval(secs => least(86400, ${retryBaseSeconds}::float8 * power(2, least(certificates.failures, 40)))),
      updated_at = now()`);
}

/**
 * Claims the ACME certificates due now — valid ones two thirds into their lifetime, others at their next
 * attempt — marks them `renewing` (still-valid certificate) or `pending`, holds them off for
 * ISSUE_HOLD_SECONDS and calls `queue(host, client)` inside the same transaction, so two replicas never
 * both claim a row and a claim is never lost without its job. Returns the claimed hosts.
 */
export async function claimDueCertificates(pool: pg.Pool, queue: (host: string, client: pg.PoolClient) => Promise<unknown>, limit = 50): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ host: string }>(
      `WITH due AS (
         SELECT id FROM certificates
          WHERE source = 'acme'
            AND (next_attempt_at <= now()
                 OR (status = 'valid' AND next_attempt_at IS NULL AND not_before + (not_after - not_before) * 2 / 3 <= now()))
          ORDER BY coalesce(next_attempt_at, not_after)
          LIMIT $1
          FOR UPDATE SKIP LOCKED)
       UPDATE certificates c
          SET status = CASE WHEN c.chain_pem IS NOT NULL AND c.not_after > now() THEN 'renewing' ELSE 'pending' END,
              next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
         FROM due WHERE c.id = due.id
       RETURNING c.host`,
      [limit, ISSUE_HOLD_SECONDS],
    );
    for (const { host } of rows) await queue(host, client);
    await client.query('COMMIT');
    return rows.map((r) => r.host).sort();
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Makes the rows follow the routed hosts: with HTTPS enabled, a routed host without a row gets a `pending`
 * one due now (automatic hosts under the base domain included, unless the base domain's wildcard covers them); a row whose host is routed no more is
 * deleted (certificate removal on domain delete, uploaded ones too). Wildcard rows (DNS-01) are left alone.
 * Returns what changed.
 */
export async function syncCertificateHosts(db: Db, opts: { httpsEnabled: boolean }): Promise<{ added: string[]; removed: string[] }> {
  const routed = await routedHosts(db);
  const removed = await db.execute<{ host: string }>(sql`DELETE FROM certificates WHERE host NOT LIKE '*.%'
    AND NOT (host = ANY(${sql.raw('ARRAY[')}${sql.join(routed.map((h) => sql`${h}`), sql`, `)}${sql.raw(']::text[]')})) RETURNING host`);
  let added: string[] = [];
  const wildcards = opts.httpsEnabled ? await wildcardNames(db) : [];
  const own = routed.filter((h) => !coveredByWildcard(wildcards, h));
  if (opts.httpsEnabled && own.length > 0) {
    const inserted = await db.execute<{ host: string }>(sql`INSERT INTO certificates (host, hosts, status, next_attempt_at)
      SELECT h, ARRAY[h], 'pending', now() FROM unnest(${sql.raw('ARRAY[')}${sql.join(own.map((h) => sql`${h}`), sql`, `)}${sql.raw(']::text[]')}) AS h
      ON CONFLICT (host) DO NOTHING RETURNING host`);
    added = inserted.rows.map((r) => r.host).sort();
  }
  return { added, removed: removed.rows.map((r) => r.host).sort() };
}

/** Forgets the certificate of a host (its domain was removed). */
export async function deleteCertificate(db: Db, host: string): Promise<boolean> {
  return (await db.delete(certificates).where(eq(certificates.host, host)).returning({ id: certificates.id })).length > 0;
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
  /** First retry after a failure; doubles with each further failure (BERTH_CERT_RETRY_SECONDS). */
  retryBaseSeconds?: number;
}

export type IssueOutcome = { host: string; status: 'valid'; expiresAt: string } | { host: string; status: 'failed'; error: string } | { host: string; status: 'skipped'; reason: string };

export class CertificateIssuer {
  constructor(private readonly opts: CertificateIssuerOptions) {}

  /** Issues (or renews) the certificate of one routed host. Never throws for the CA's refusal: it is stored. */
  async run(host: string, jobCtx?: Pick<JobContext, 'log'>): Promise<IssueOutcome> {
    const { db, box } = this.opts;
    const { acmeEmail, acmeDirectory } = await getInstanceSettings(db);
    // `berth ssl enable --directory` overrides BERTH_ACME_DIRECTORY.
    const directoryUrl = acmeDirectory ? acmeDirectoryUrl(acmeDirectory) : this.opts.directoryUrl;
    if (!acmeEmail) return { host, status: 'skipped', reason: 'HTTPS is not enabled (POST /api/ssl)' };
    if (WILDCARD_NAME.test(host)) return this.opts.wildcard ? this.opts.wildcard(host, jobCtx) : { host, status: 'skipped', reason: 'a wildcard needs DNS-01 (no wildcard issuer configured)' };
    const [existing] = await db.select({ source: certificates.source }).from(certificates).where(eq(certificates.host, host));
    if (existing?.source === 'custom') return { host, status: 'skipped', reason: `${host} has an uploaded certificate` };
    const routed = new Set(await routedHosts(db));
    if (!routed.has(host)) {
      if (HOSTNAME.test(host)) await deleteCertificate(db, host);
      return { host, status: 'skipped', reason: `${host} is not routed any more` };
    }
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
      const error = plainAcmeFailure(host, err);
      await markCertificateFailed(db, host, error, this.opts.retryBaseSeconds);
      await jobCtx?.log(error);
      return { host, status: 'failed', error };
    }
    // The domain may have been removed while the CA worked: keep nothing for it then.
    if (!(await routedHosts(db)).includes(host)) {
      await deleteCertificate(db, host);
      return { host, status: 'skipped', reason: `${host} was removed while its certificate was issued` };
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

export interface CertificatesDeps {
  db: Db;
  /** For claims: the claim and its job commit together. */
  pool: pg.Pool;
  queue: Pick<JobQueue, 'enqueue'>;
  jobType: IssueCertificateJobType;
  /** Re-pushes routes after an upload or a removal (Platform.reconcileRoutes when the ingress runs). */
  reconcileRoutes?: () => Promise<void>;
  log?: { warn(obj: object, msg: string): void };
}

/** What the API and the renewal loop ask of certificates: enable HTTPS, queue issuance, sync, statuses. */
export class Certificates {
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<unknown> | undefined;

  constructor(private readonly deps: CertificatesDeps) {}

  /** Queues issuance for a host when HTTPS is enabled (never over an uploaded certificate); returns whether it did. */
  async enqueue(host: string): Promise<boolean> {
    const { acmeEmail } = await getInstanceSettings(this.deps.db);
    if (!acmeEmail) return false;
    const [row] = await this.deps.db.select({ source: certificates.source }).from(certificates).where(eq(certificates.host, host));
    if (row?.source === 'custom') return false;
    if (!row && coveredByWildcard(await wildcardNames(this.deps.db), host)) return false;
    await requestCertificate(this.deps.db, host);
    await this.deps.queue.enqueue({ type: this.deps.jobType, payload: { host } });
    return true;
  }

  /** Stores the ACME contact (enables HTTPS), optionally the directory, and queues issuance for every routed host. */
  async enable(email: string, directory?: InstanceSettings['acmeDirectory']): Promise<{ hosts: string[] }> {
    await updateInstanceSettings(this.deps.db, { acmeEmail: email, ...(directory !== undefined ? { acmeDirectory: directory } : {}) });
    const hosts = await routedHosts(this.deps.db);
    for (const host of hosts) await this.enqueue(host);
    return { hosts };
  }

  statuses(hosts: readonly string[]): Promise<Map<string, TlsStatus>> {
    return certificateStatuses(this.deps.db, hosts);
  }

  /** A domain was removed: forget its certificate when no other domain routes the host, and re-push routes. */
  async hostRemoved(host: string): Promise<void> {
    if ((await routedHosts(this.deps.db)).includes(host)) return;
    await deleteHostTlsSettings(this.deps.db, host);
    if (await deleteCertificate(this.deps.db, host)) await this.#reconcile();
  }

  /**
   * One pass of the renewal loop (any replica, any number at once): rows follow the routed hosts, and
   * due certificates are claimed and queued. Returns the hosts queued.
   */
  async tick(): Promise<string[]> {
    const { acmeEmail } = await getInstanceSettings(this.deps.db);
    const sync = await syncCertificateHosts(this.deps.db, { httpsEnabled: acmeEmail !== null });
    if (sync.removed.length > 0) await this.#reconcile();
    if (!acmeEmail) return [];
    return claimDueCertificates(this.deps.pool, (host, client) => this.deps.queue.enqueue({ type: this.deps.jobType, payload: { host }, db: client }));
  }

  /** Runs tick() now (after a change that adds routed hosts), without waiting for the loop. */
  kick(): void {
    this.#ticking ??= this.tick()
      .catch((err: unknown) => this.deps.log?.warn({ err: (err as Error).message }, 'certificate renewal check failed; will retry'))
      .finally(() => (this.#ticking = undefined));
  }

  /** Starts the renewal loop (every `intervalMs`, first pass at once). */
  start(intervalMs: number): void {
    if (this.#timer) return;
    this.kick();
    this.#timer = setInterval(() => this.kick(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
  }

  async #reconcile(): Promise<void> {
    try {
      await this.deps.reconcileRoutes?.();
    } catch (err) {
      this.deps.log?.warn({ err: (err as Error).message }, 'routes not re-pushed after a certificate change; the next reconcile will');
    }
  }
}
