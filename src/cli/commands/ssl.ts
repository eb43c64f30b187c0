// berth ssl enable / status / wildcard, berth domains tls, berth certificates upload / remove: HTTPS from the terminal.
// Certificate files are read here and sent in the request body; a private key never appears in output.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Act } from '../action.ts';
import { path, type ServiceScope } from '../api-client.ts';
import type { CliContext, ServiceOptions } from '../context.ts';
import { ApiError, CliError } from '../errors.ts';
import { clean, shortDate, table } from '../output.ts';
import { integer } from '../service-input.ts';
import { serviceScopeOptions } from '../service-flags.ts';

export interface TlsStatus {
  status: 'pending' | 'valid' | 'renewing' | 'failed';
  source: 'acme' | 'custom';
  expiresAt: string | null;
  error: string | null;
  nextAttemptAt: string | null;
}

interface SslState {
  enabled: boolean;
  acmeEmail: string | null;
  directory: string;
  certificates: (TlsStatus & { host: string; hosts: string[] })[];
}

interface HostTls {
  host: string;
  https: boolean;
  redirectHttp: boolean;
  hstsMaxAge: number | null;
}

const svc = (s: ServiceScope, name: string) => path`/api/orgs/${s.org}/projects/${s.project}/environments/${s.env}/services/${name}`;

/** One cell for a host's certificate: "valid until 2027-02-01 10:00", "failed: <reason>", "pending", "-". */
export function tlsCell(tls: TlsStatus | null | undefined, choices?: { https: boolean }): string {
  if (choices && !choices.https) return 'off (HTTP only)';
  if (!tls) return '-';
  const uploaded = tls.source === 'custom' ? ' (uploaded)' : '';
  switch (tls.status) {
    case 'valid':
      return `valid until ${shortDate(tls.expiresAt)}${uploaded}`;
    case 'renewing':
      return `renewing (valid until ${shortDate(tls.expiresAt)})`;
    case 'pending':
      return tls.error ? `pending (retry; last error: ${tls.error})` : 'pending';
    case 'failed':
      return `failed: ${tls.error ?? 'no reason recorded'}`;
  }
}

async function enable(ctx: CliContext, _args: string[], opts: { email: string; directory?: string }): Promise<void> {
  const body = { email: opts.email, ...(opts.directory ? { directory: opts.directory } : {}) };
  const res = await ctx.client().request<{ acmeEmail: string; directory: string; hosts: string[] }>('POST', '/api/ssl', { body });
  ctx.out.result(res, (r) => [
    `HTTPS enabled: ACME account ${clean(r.acmeEmail)} at ${clean(r.directory)}.`,
    r.hosts.length ? `Issuing certificates for ${r.hosts.map(clean).join(', ')}; follow with \`berth ssl status\`.` : 'No routed host yet: each domain added from now on gets a certificate.',
  ]);
}

async function status(ctx: CliContext): Promise<void> {
  const state = await ctx.client().request<SslState>('GET', '/api/ssl');
  ctx.out.result(state, (s) => [
    s.enabled ? `HTTPS enabled: ACME account ${clean(s.acmeEmail)} at ${clean(s.directory)}.` : 'HTTPS is not enabled: `berth ssl enable --email <address>`.',
    '',
    s.certificates.length
      ? table(['host', 'certificate', 'next attempt'], s.certificates.map((c) => [c.host, tlsCell(c), c.source === 'acme' ? shortDate(c.nextAttemptAt) : 'never (uploaded)']))
      : 'No certificates yet.',
    ...wildcardLines(s.certificates),
  ]);
}

/** The base domain's wildcard (a `*.` row, issued over DNS-01): what it covers and its state, in words. */
function wildcardLines(certificates: SslState['certificates']): string[] {
  return certificates
    .filter((c) => c.host.startsWith('*.'))
    .map((c) => `Wildcard ${clean(c.host)} (DNS-01): ${tlsCell(c)}; covers ${clean(c.host.slice(2))} and every automatic <service>-<project>.${clean(c.host.slice(2))} host.`)
    .map((line, i) => (i === 0 ? `\n${line}` : line));
}

interface WildcardQueued {
  host: string;
  hosts: string[];
  dnsProvider: string;
  queued: boolean;
}

/** What to run when a prerequisite of the wildcard is missing (the API names it as the issue's path). */
const WILDCARD_HINTS: Record<string, string> = {
  domain: 'set one with `berth config set domain <base>`',
  acmeEmail: 'enable it with `berth ssl enable --email <address>`',
  dnsProvider: 'add one with `berth dns-providers add <name> --type rfc2136|cloudflare|route53 --zone <zone>`',
};

async function wildcard(ctx: CliContext): Promise<void> {
  let res: WildcardQueued;
  try {
    res = await ctx.client().request<WildcardQueued>('POST', '/api/ssl/wildcard');
  } catch (err) {
    const issue = err instanceof ApiError && err.status === 400 ? err.issues[0] : undefined;
    const hint = issue && WILDCARD_HINTS[issue.path];
    if (!issue || !hint) throw err;
    // The API's words end by pointing at its routes ("…: PATCH /api/settings { domain } first"): say what to run instead.
    throw new CliError(`${issue.message.split(':')[0]}: ${hint}`, undefined, { cause: err, code: 'invalid' });
  }
  ctx.out.result(res, (r) =>
    r.queued
      ? `Issuing ${r.hosts.map(clean).join(' and ')} over DNS-01 through the DNS provider ${clean(r.dnsProvider)}; follow with \`berth ssl status\`. Renewed like every certificate; a new base domain a DNS provider covers gets its own at once.`
      : `Not queued: ${clean(r.host)} has an uploaded certificate.`,
  );
}

const onOff = (flag: string) => (value: string): boolean => {
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new CliError(`${flag}: expected on or off`);
};

interface TlsOptions extends ServiceOptions {
  https?: boolean;
  redirect?: boolean;
  hsts?: number | 'off';
}

async function tls(ctx: CliContext, [service, host]: string[], opts: TlsOptions): Promise<void> {
  const scope = await ctx.scope(opts);
  const route = `${svc(scope, service!)}${path`/domains/${host!}/tls`}`;
  const patch = {
    ...(opts.https !== undefined ? { https: opts.https } : {}),
    ...(opts.redirect !== undefined ? { redirectHttp: opts.redirect } : {}),
    ...(opts.hsts !== undefined ? { hstsMaxAge: opts.hsts === 'off' ? null : opts.hsts } : {}),
  };
  const client = ctx.client();
  const res = Object.keys(patch).length ? await client.request<HostTls>('PATCH', route, { body: patch }) : await client.request<HostTls & { certificate: TlsStatus | null }>('GET', route);
  ctx.out.result(res, (r) => [
    `HTTPS:      ${r.https ? 'on (once a certificate is valid)' : 'off'}`,
    `Redirect:   ${r.redirectHttp ? 'HTTP → HTTPS (308)' : 'off: plain HTTP keeps serving'}`,
    `HSTS:       ${r.hstsMaxAge === null ? 'off' : `max-age=${r.hstsMaxAge}`}`,
    ...('certificate' in r ? [`Certificate: ${tlsCell(r.certificate as TlsStatus | null)}`] : []),
  ]);
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

interface UploadOptions extends ServiceOptions {
  cert: string;
  key: string;
}

async function upload(ctx: CliContext, [service, host]: string[], opts: UploadOptions): Promise<void> {
  const body = { certificatePem: readPem(opts.cert, 'certificate'), keyPem: readPem(opts.key, 'key') };
  const scope = await ctx.scope(opts);
  const res = await ctx.client().request<TlsStatus & { host: string; hosts: string[] }>('PUT', `${svc(scope, service!)}${path`/domains/${host!}/certificate`}`, { body });
  ctx.out.result(res, (r) => `Serving the uploaded certificate for ${clean(r.host)} (covers ${r.hosts.map(clean).join(', ')}), valid until ${shortDate(r.expiresAt)}.`);
}

async function removeCertificate(ctx: CliContext, [service, host]: string[], opts: ServiceOptions): Promise<void> {
  const scope = await ctx.scope(opts);
  const res = await ctx.client().request<{ ok: true; acme: boolean }>('DELETE', `${svc(scope, service!)}${path`/domains/${host!}/certificate`}`);
  ctx.out.result(res, (r) => `Removed the uploaded certificate of ${clean(host)}.${r.acme ? ' Berth now issues one over ACME.' : ''}`);
}

export function registerSslCommands(program: Command, act: Act): void {
  const ssl = program.command('ssl').description('HTTPS: certificates issued over ACME (Let\'s Encrypt by default) for every routed host');
  ssl
    .command('enable')
    .description('Enable HTTPS: register the ACME account and issue a certificate for every routed host, then for each new domain')
    .requiredOption('--email <address>', 'contact address of the ACME account (expiry notices)')
    .option('--directory <url>', 'ACME directory: letsencrypt (default), letsencrypt-staging or an https URL')
    .addHelpText('after', '\nFor the dashboard itself over HTTPS, first `berth config set domain <host>`.\n\nExample:\n  berth ssl enable --email ops@example.com')
    .action(act<{ email: string; directory?: string }>(enable));
  ssl
    .command('status')
    .description('Every certificate: valid until when, renewing, pending or failed with the reason; when Berth tries next')
    .action(act(status));
  ssl
    .command('wildcard')
    .description('Issue the base domain\'s wildcard certificate (*.<base> and <base>) over DNS-01 through the installation DNS provider covering it')
    .addHelpText('after', '\nNeeds a base domain (berth config set domain), HTTPS enabled (berth ssl enable) and a DNS provider (berth dns-providers add).\nEvery automatic <service>-<project>.<base> host is then served with it: no HTTP-01 per host.\n\nExample:\n  berth ssl wildcard')
    .action(act(wildcard));

  const certificates = program.command('certificates').alias('certs').description('Uploaded certificates (instead of ACME) for a host of a service');
  serviceScopeOptions(
    certificates
      .command('upload')
      .description('Serve your own certificate for a host: the PEM chain (the host\'s certificate first) and its private key')
      .argument('<service>', 'service name')
      .argument('<host>', 'one of the service\'s hosts'),
  )
    .requiredOption('--cert <file>', 'PEM chain file')
    .requiredOption('--key <file>', 'PEM private key file (unencrypted)')
    .addHelpText('after', '\nRefused (naming the problem) unless the key matches, the chain is in order and unexpired, and it covers the host.\n\nExample:\n  berth certificates upload web shop.example.com --cert fullchain.pem --key privkey.pem --project shop')
    .action(act<UploadOptions>(upload));
  serviceScopeOptions(
    certificates
      .command('remove')
      .alias('rm')
      .description('Stop serving an uploaded certificate (Berth issues one over ACME when HTTPS is enabled)')
      .argument('<service>', 'service name')
      .argument('<host>', 'host name'),
  ).action(act<ServiceOptions>(removeCertificate));
}

/** `berth domains tls <service> <host> [--https on|off] [--redirect on|off] [--hsts <seconds>|off]`. */
export function registerDomainTlsCommand(domains: Command, act: Act): void {
  serviceScopeOptions(
    domains
      .command('tls')
      .description("Show or change a host's HTTPS choices: HTTPS on/off, the HTTP→HTTPS redirect, HSTS")
      .argument('<service>', 'service name')
      .argument('<host>', 'host name'),
  )
    .option('--https <on|off>', 'serve the host over HTTPS once its certificate is valid', onOff('--https'))
    .option('--redirect <on|off>', 'answer plain HTTP with 308 to https://', onOff('--redirect'))
    .option('--hsts <seconds|off>', 'send Strict-Transport-Security with this max-age, or not', (v) => (v === 'off' ? 'off' : integer(0, 63_072_000)(v)))
    .addHelpText('after', '\nExamples:\n  berth domains tls web shop.example.com --project shop\n  berth domains tls web shop.example.com --hsts 31536000 --project shop')
    .action(act<TlsOptions>(tls));
}
