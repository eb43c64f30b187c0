// The base domain's wildcard certificate (issue 6): one certificate for `*.<base>` and `<base>`, issued
// over DNS-01 through the installation's DNS provider whose zone covers the base domain, stored in the
// certificates table under the host `*.<base>` (key sealed like every other). The route planner serves
// every automatic `<service>-<project>.<base>` host with it (a wildcard covers one label). The
// `issue-certificate` job hands `*.` hosts here, so the renewal loop renews it like any ACME certificate.
// Must never log a key, a key authorization or a provider secret.
import type { Db } from '../../db/client.ts';
import { issueCertificateDns01 } from '../../infra/acme/dns01.ts';
import { acmeDirectoryUrl, type IssuedCertificate } from '../../infra/acme/client.ts';
import type { SecretBox } from '../../infra/crypto/secretbox.ts';
import { WILDCARD_NAME, type Dns01Provider } from '../../infra/dns01/index.ts';
import type { JobContext } from '../../jobs/index.ts';
import { dnsProviderFor } from '../dns-providers/dns-providers.ts';
import { Invalid } from '../errors.ts';
import { getInstanceSettings } from '../system/settings.ts';
import { acmeAccountKey, deleteCertificate, markCertificateFailed, storeCertificate, type IssueOutcome } from './certificates.ts';

/** `*.<base>` for a base domain. */
export const wildcardHost = (base: string) => `*.${base}`;

export function isWildcardHost(host: string): boolean {
  return WILDCARD_NAME.test(host);
}

export interface WildcardIssuerOptions {
  db: Db;
  box: SecretBox;
  directoryUrl: string;
  reconcileRoutes?: () => Promise<void>;
  /** How long the TXT record may take to become visible; default 120 s. */
  propagationTimeoutMs?: number;
  /** The ACME exchange (tests may replace it). */
  issue?: typeof issueCertificateDns01;
}

/**
 * What must hold before a wildcard for the base domain is requested: a base domain, HTTPS enabled (the
 * ACME contact; the renewal loop only runs then) and an installation DNS provider covering it.
 */
export async function checkWildcardPrerequisites(db: Db, box: SecretBox): Promise<{ base: string; provider: string }> {
  const { domain: base, acmeEmail } = await getInstanceSettings(db);
  if (!base) throw new Invalid([{ path: 'domain', message: 'no base domain is set: PATCH /api/settings { domain } first' }]);
  if (!acmeEmail) throw new Invalid([{ path: 'acmeEmail', message: 'HTTPS is not enabled: POST /api/ssl { email } first' }]);
  const found = await dnsProviderFor(db, box, { orgId: null, domain: base });
  if (!found) throw new Invalid([{ path: 'dnsProvider', message: `no installation DNS provider has a zone covering ${base}: add one (POST /api/dns-providers)` }]);
  return { base, provider: found.view.name };
}

export class WildcardIssuer {
  constructor(private readonly opts: WildcardIssuerOptions) {}

  /** Issues (or renews) `*.<base>` + `<base>`. Never throws for a refusal: the reason is stored on the row. */
  async run(host: string, jobCtx?: Pick<JobContext, 'log'> & Partial<Pick<JobContext, 'signal'>>): Promise<IssueOutcome> {
    const { db, box } = this.opts;
    const { domain: base, acmeEmail, acmeDirectory } = await getInstanceSettings(db);
    // Like HTTP-01: `berth ssl enable --directory` overrides BERTH_ACME_DIRECTORY.
    const directoryUrl = acmeDirectory ? acmeDirectoryUrl(acmeDirectory) : this.opts.directoryUrl;
    if (!base || host !== wildcardHost(base)) {
      // The base domain changed (or was unset): the old wildcard is not renewed, and no longer served.
      if (await deleteCertificate(db, host)) await this.opts.reconcileRoutes?.().catch(() => undefined);
      return { host, status: 'skipped', reason: `${host} is not the base domain's wildcard any more` };
    }
    const log = async (line: string) => void (await jobCtx?.log(line));
    const fail = async (reason: string): Promise<IssueOutcome> => {
      const error = `no wildcard certificate for ${host}: ${reason}`;
      await markCertificateFailed(db, host, error);
      await log(error);
      return { host, status: 'failed', error };
    };
    let provider: Dns01Provider;
    try {
      const found = await dnsProviderFor(db, box, { orgId: null, domain: base });
      if (!found) return await fail(`no installation DNS provider has a zone covering ${base} (POST /api/dns-providers)`);
      provider = found.provider;
      await log(`issuing ${host} and ${base} over DNS-01 through the ${found.view.type} provider "${found.view.name}" (zone ${found.view.zone})`);
    } catch (err) {
      return fail(`the DNS provider's credentials could not be opened (${(err as Error).message})`);
    }
    let cert: IssuedCertificate;
    try {
      cert = await (this.opts.issue ?? issueCertificateDns01)({
        directoryUrl,
        accountKeyPem: await acmeAccountKey(db, box, directoryUrl),
        email: acmeEmail,
        hosts: [host, base],
        provider,
        propagationTimeoutMs: this.opts.propagationTimeoutMs ?? 120_000,
        ...(jobCtx?.signal ? { signal: jobCtx.signal } : {}),
        log,
      });
    } catch (err) {
      return fail(((err as Error).message ?? String(err)).replace(/\s+/g, ' ').slice(0, 500));
    }
    await storeCertificate(db, box, host, cert, [host, base]);
    await log(`wildcard certificate for ${host} issued, valid until ${cert.notAfter.toISOString()}`);
    try {
      await this.opts.reconcileRoutes?.();
    } catch (err) {
      await log(`certificate stored; the proxy will load it on the next route update (${(err as Error).message})`);
    }
    return { host, status: 'valid', expiresAt: cert.notAfter.toISOString() };
  }
}
