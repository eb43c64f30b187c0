// Pure route planning: the domains Berth should serve (desired state) → one RouteTable that every proxy
// driver renders (plan/caddy.ts, plan/traefik.ts). Hosts are sorted, each host's routes are ordered
// longest path prefix first, and redirect-only hosts (www ↔ apex) are explicit, so equal input always
// gives an identical table and rendered config (the proxy is only pushed when that config changes).
// Must never do I/O, and never let an unvalidated host, path, URL, name or hash into the table: the
// renderers copy these values into proxy configuration verbatim.
import { z } from 'zod';
import { Invalid, type FieldIssue } from '../core/errors.ts';

/**
 * A public hostname Berth routes: lowercase RFC 1123 labels, at least two of them, the last starting
 * with a letter (so never an IP address), 253 characters at most. No wildcards, no trailing dot.
 * The API validates domains with this same pattern.
 */
export const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The API's schema for a domain's host (same pattern as the planner). */
export const hostnameSchema = z
  .string()
  .max(253)
  .regex(HOSTNAME, 'expected a hostname: lowercase letters, digits, hyphens and dots, at least two labels, no wildcard');

/** An upstream name Berth's DNS answers (e.g. `<service id>.upstream.berth`): one or more DNS labels. */
export const UPSTREAM_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * One path segment of a route prefix. Deliberately narrow: no `*` (a wildcard to Caddy), no `$`, braces,
 * backticks or parentheses (placeholders and rule syntax in the proxies' configs), no `%` escapes.
 */
const PATH_SEGMENT = /^[A-Za-z0-9._~@:+,=-]+$/;

/**
 * A redirect target: http(s), a valid hostname, an optional port and path; no query, fragment, braces
 * (Caddy placeholders), `$` (Traefik replacement syntax) or parentheses.
 */
const REDIRECT_URL = /^(https?):\/\/([^/:?#]+)(?::(\d{1,5}))?(\/[A-Za-z0-9._~!&'*+,;=:@/%-]*)?$/;

/** A bcrypt hash as htpasswd and Caddy write it. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Basic-auth user names may not contain ':' (the htpasswd separator) or control characters. */
const USERNAME = /^[A-Za-z0-9._@+-]{1,64}$/;

/** The HTTP-01 challenge path: always answered by the ACME hook (a later issue), never by an app. */
export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

export interface Upstream {
  /** A name Berth's DNS server answers with the live release's task addresses. */
  name: string;
  port: number;
}

export interface BasicAuth {
  username: string;
  /** bcrypt (`$2a$`/`$2b$`/`$2y$`), never a plain password. */
  passwordHash: string;
}

export interface Redirect {
  /** Absolute http(s) URL; the original request URI (path and query) is appended to it. */
  to: string;
  /** 308 when true, 307 otherwise (the method is kept either way). */
  permanent: boolean;
}

export type WwwRedirect = 'www-to-apex' | 'apex-to-www';

/** One domain of desired state: a host (and path prefix) served by an upstream, or redirected. */
export interface DomainInput {
  host: string;
  /** Default `/`. */
  pathPrefix?: string;
  /** Exactly one of `upstream` and `redirect`. */
  upstream?: Upstream;
  redirect?: Redirect;
  basicAuth?: BasicAuth;
  /** Also answer the other spelling of this host (with or without `www.`) with a permanent redirect here. */
  wwwRedirect?: WwwRedirect;
}

/** A certificate the proxy serves for `hosts` (HTTPS on :443, and :80 redirects those hosts there). */
export interface TlsCertificate {
  /** The names the certificate covers (planned hosts among them get HTTPS). */
  hosts: string[];
  /** PEM chain: leaf first. */
  certificatePem: string;
  /** PEM private key (unsealed only for rendering; never logged). */
  keyPem: string;
}

/** HTTPS choices for one host (defaults: HTTPS on, HTTP redirected once a certificate is valid, no HSTS). */
export interface HostTls {
  host: string;
  /** Off: the host is served over HTTP only, even with a certificate. */
  https: boolean;
  /** Off: plain HTTP keeps serving the host next to HTTPS. */
  redirectHttp: boolean;
  /** Seconds; set: HTTPS answers carry `Strict-Transport-Security: max-age=<n>`. */
  hstsMaxAge?: number;
}

/** Longest HSTS max-age accepted (two years, what preload lists ask for). */
export const HSTS_MAX_AGE_LIMIT = 63_072_000;

/** `*.example.com`: one wildcard label in front of a hostname (DNS-01 certificates cover these). */
export const WILDCARD_HOSTNAME = /^\*\.(?=.{1,251}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Whether a certificate naming `names` covers `host` (a wildcard covers exactly one label). */
export function certificateCovers(names: readonly string[], host: string): boolean {
  const dot = host.indexOf('.');
  return names.some((name) => name === host || (name.startsWith('*.') && dot > 0 && name.slice(2) === host.slice(dot + 1)));
}

export interface PlanRoutesInput {
  domains: readonly DomainInput[];
  /** Valid certificates: a host covered here is served over HTTPS and redirected there from HTTP. */
  certificates?: readonly TlsCertificate[];
  /**
   * Hook for HTTP-01 (a later issue): when set, `/.well-known/acme-challenge/` on every host is proxied
   * here (the control plane). Unset, those paths fall through to the host's routes like any other.
   */
  acmeChallengeUpstream?: Upstream;
  /** Per-host HTTPS choices; hosts not listed use the defaults. */
  hostTls?: readonly HostTls[];
}

export type RouteAction =
  | { kind: 'proxy'; upstream: Upstream }
  | { kind: 'redirect'; to: string; permanent: boolean };

export interface Route {
  /** Normalised: `/` or `/a/b` (matches `/a/b` and `/a/b/…`, never `/a/bc`). */
  pathPrefix: string;
  action: RouteAction;
  basicAuth?: BasicAuth;
}

export interface HostRoutes {
  host: string;
  /** Longest path prefix first; a host without a `/` route answers 404 for other paths. */
  routes: Route[];
}

/** A whole host redirected to another host, keeping scheme, path and query (www ↔ apex). */
export interface HostRedirect {
  host: string;
  toHost: string;
}

export interface RouteTable {
  /** Sorted by host. */
  hosts: HostRoutes[];
  /** Sorted by host; never a host that is also in `hosts`. */
  hostRedirects: HostRedirect[];
  acmeChallengeUpstream?: Upstream;
  /** Sorted by first host; absent when there is none. Hosts sorted, each a valid hostname. */
  certificates?: TlsCertificate[];
  /** Sorted by host; only hosts whose choices differ from the defaults; absent when there is none. */
  hostTls?: HostTls[];
  /** Everything else (unknown hosts) answers 404: always true, written down so renderers cannot forget. */
  notFoundFallback: true;
}

function checkUpstream(path: string, upstream: Upstream, issues: FieldIssue[]): void {
  if (typeof upstream.name !== 'string' || !UPSTREAM_NAME.test(upstream.name)) {
    issues.push({ path: `${path}/name`, message: 'expected a DNS name: lowercase labels separated by dots' });
  }
  if (!Number.isInteger(upstream.port) || upstream.port < 1 || upstream.port > 65535) {
    issues.push({ path: `${path}/port`, message: 'expected a port between 1 and 65535' });
  }
}

/** `/api/` → `/api`; undefined when the prefix is not acceptable (empty, dot segments, odd characters). */
export function normalisePathPrefix(prefix: string | undefined): string | undefined {
  const raw = prefix ?? '/';
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.length > 1024) return undefined;
  const trimmed = raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
  if (trimmed === '/') return trimmed;
  const segments = trimmed.slice(1).split('/');
  const valid = segments.every((segment) => PATH_SEGMENT.test(segment) && segment !== '.' && segment !== '..');
  return valid ? trimmed : undefined;
}

function isReservedPath(prefix: string): boolean {
  return `${prefix}/`.startsWith(ACME_CHALLENGE_PREFIX);
}

/** A redirect target with a valid host and port, trailing slash removed; undefined otherwise. */
export function normaliseRedirectUrl(url: string): string | undefined {
  const match = REDIRECT_URL.exec(url);
  if (!match) return undefined;
  const [, , host, port, path] = match;
  if (!host || !HOSTNAME.test(host)) return undefined;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  if (path !== undefined && /%(?![0-9A-Fa-f]{2})/.test(path)) return undefined;
  return url.endsWith('/') ? url.replace(/\/+$/, '') : url;
}

function checkBasicAuth(path: string, auth: BasicAuth, issues: FieldIssue[]): void {
  if (typeof auth.username !== 'string' || !USERNAME.test(auth.username)) {
    issues.push({ path: `${path}/username`, message: 'expected 1-64 letters, digits or ._@+-' });
  }
  if (typeof auth.passwordHash !== 'string' || !BCRYPT_HASH.test(auth.passwordHash)) {
    issues.push({ path: `${path}/passwordHash`, message: 'expected a bcrypt hash ($2a$, $2b$ or $2y$)' });
  }
}

/** The other spelling a www redirect answers, or undefined (with an issue) when it makes no sense. */
function wwwPartner(path: string, host: string, mode: WwwRedirect, issues: FieldIssue[]): string | undefined {
  const isWww = host.startsWith('www.');
  if (mode === 'www-to-apex') {
    if (isWww) issues.push({ path, message: 'www-to-apex needs the apex host (without www.) as the domain' });
    const partner = `www.${host}`;
    if (!HOSTNAME.test(partner)) issues.push({ path, message: `www.${host} is not a valid hostname` });
    return isWww ? undefined : partner;
  }
  if (mode === 'apex-to-www') {
    const partner = host.slice(4);
    if (!isWww || !HOSTNAME.test(partner)) {
      issues.push({ path, message: 'apex-to-www needs a www. host whose apex is a valid hostname' });
      return undefined;
    }
    return partner;
  }
  issues.push({ path, message: 'expected "www-to-apex" or "apex-to-www"' });
  return undefined;
}

function planRoute(path: string, domain: DomainInput, prefix: string, issues: FieldIssue[]): Route | undefined {
  const before = issues.length;
  if ((domain.upstream === undefined) === (domain.redirect === undefined)) {
    issues.push({ path, message: 'expected exactly one of upstream and redirect' });
  }
  if (domain.upstream) checkUpstream(`${path}/upstream`, domain.upstream, issues);
  let to: string | undefined;
  if (domain.redirect) {
    to = typeof domain.redirect.to === 'string' ? normaliseRedirectUrl(domain.redirect.to) : undefined;
    if (!to) issues.push({ path: `${path}/redirect/to`, message: 'expected an absolute http(s) URL without query or fragment' });
  }
  if (domain.basicAuth) checkBasicAuth(`${path}/basicAuth`, domain.basicAuth, issues);
  if (issues.length > before) return undefined;
  const action: RouteAction = domain.upstream
    ? { kind: 'proxy', upstream: { name: domain.upstream.name, port: domain.upstream.port } }
    : { kind: 'redirect', to: to as string, permanent: domain.redirect?.permanent === true };
  const route: Route = { pathPrefix: prefix, action };
  if (domain.basicAuth) route.basicAuth = { username: domain.basicAuth.username, passwordHash: domain.basicAuth.passwordHash };
  return route;
}

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----(?:\r?\n-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----)*\s*$/;
const PEM_KEY = /^-----BEGIN (RSA |EC )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA |EC )?PRIVATE KEY-----\s*$/;

function checkCertificate(path: string, cert: TlsCertificate, issues: FieldIssue[]): TlsCertificate | undefined {
  const before = issues.length;
  if (!Array.isArray(cert.hosts) || cert.hosts.some((host) => typeof host !== 'string' || !(HOSTNAME.test(host) || WILDCARD_HOSTNAME.test(host)))) {
    issues.push({ path: `${path}/hosts`, message: 'expected hostnames (or *.hostname)' });
  }
  if (typeof cert.certificatePem !== 'string' || !PEM_CERTIFICATE.test(cert.certificatePem)) issues.push({ path: `${path}/certificatePem`, message: 'expected a PEM certificate chain' });
  if (typeof cert.keyPem !== 'string' || !PEM_KEY.test(cert.keyPem)) issues.push({ path: `${path}/keyPem`, message: 'expected a PEM private key' });
  if (issues.length > before) return undefined;
  return { hosts: [...new Set(cert.hosts)].sort(), certificatePem: cert.certificatePem, keyPem: cert.keyPem };
}

function checkHostTls(path: string, tls: HostTls, issues: FieldIssue[]): HostTls | undefined {
  const before = issues.length;
  if (typeof tls.host !== 'string' || !HOSTNAME.test(tls.host)) issues.push({ path: `${path}/host`, message: 'expected a hostname' });
  if (typeof tls.https !== 'boolean') issues.push({ path: `${path}/https`, message: 'expected true or false' });
  if (typeof tls.redirectHttp !== 'boolean') issues.push({ path: `${path}/redirectHttp`, message: 'expected true or false' });
  const age = tls.hstsMaxAge;
  if (age !== undefined && !(Number.isInteger(age) && age >= 0 && age <= HSTS_MAX_AGE_LIMIT)) {
    issues.push({ path: `${path}/hstsMaxAge`, message: `expected whole seconds from 0 to ${HSTS_MAX_AGE_LIMIT}` });
  }
  if (issues.length > before) return undefined;
  return { host: tls.host, https: tls.https, redirectHttp: tls.redirectHttp, ...(age !== undefined ? { hstsMaxAge: age } : {}) };
}

const isDefaultTls = (tls: HostTls) => tls.https && tls.redirectHttp && tls.hstsMaxAge === undefined;

/** Longest prefix first; equal lengths by code point, so the order never depends on input order. */
function compareRoutes(a: Route, b: Route): number {
  return b.pathPrefix.length - a.pathPrefix.length || (a.pathPrefix < b.pathPrefix ? -1 : a.pathPrefix > b.pathPrefix ? 1 : 0);
}

const byHost = <T extends { host: string }>(a: T, b: T) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0);

/**
 * The route table for `input`, or Invalid naming every offending field (`domains/2/host: …`).
 * Conflicts are errors, never silently resolved: the same host and prefix twice, or a www redirect
 * onto a host that is also served.
 */
export function planRoutes(input: PlanRoutesInput): RouteTable {
  const issues: FieldIssue[] = [];
  const hosts = new Map<string, Route[]>();
  const redirects = new Map<string, { toHost: string; path: string }>();
  input.domains.forEach((domain, index) => {
    const path = `domains/${index}`;
    if (typeof domain.host !== 'string' || !HOSTNAME.test(domain.host)) {
      issues.push({ path: `${path}/host`, message: 'expected a hostname: lowercase letters, digits, hyphens and dots' });
      return;
    }
    const prefix = normalisePathPrefix(domain.pathPrefix);
    if (!prefix) {
      issues.push({ path: `${path}/pathPrefix`, message: 'expected a path starting with /, segments of letters, digits and ._~@:+,=-' });
      return;
    }
    if (isReservedPath(prefix)) {
      issues.push({ path: `${path}/pathPrefix`, message: `${ACME_CHALLENGE_PREFIX} is reserved for certificate challenges` });
      return;
    }
    const route = planRoute(path, domain, prefix, issues);
    if (domain.wwwRedirect !== undefined) {
      const partner = wwwPartner(`${path}/wwwRedirect`, domain.host, domain.wwwRedirect, issues);
      const existing = partner ? redirects.get(partner) : undefined;
      if (partner && existing && existing.toHost !== domain.host) {
        issues.push({ path: `${path}/wwwRedirect`, message: `${partner} already redirects to ${existing.toHost}` });
      } else if (partner) {
        redirects.set(partner, { toHost: domain.host, path: `${path}/wwwRedirect` });
      }
    }
    if (!route) return;
    const routes = hosts.get(domain.host) ?? [];
    if (routes.some((other) => other.pathPrefix === prefix)) {
      issues.push({ path: `${path}/pathPrefix`, message: `${domain.host}${prefix} is routed twice` });
      return;
    }
    hosts.set(domain.host, [...routes, route]);
  });
  for (const [host, redirect] of redirects) {
    if (hosts.has(host)) issues.push({ path: redirect.path, message: `${host} is served by its own domain; it cannot also redirect` });
  }
  if (input.acmeChallengeUpstream) checkUpstream('acmeChallengeUpstream', input.acmeChallengeUpstream, issues);
  const certificates = (input.certificates ?? []).map((cert, index) => checkCertificate(`certificates/${index}`, cert, issues));
  const hostTls = new Map<string, HostTls>();
  (input.hostTls ?? []).forEach((tls, index) => {
    const checked = checkHostTls(`hostTls/${index}`, tls, issues);
    if (checked && hostTls.has(checked.host)) issues.push({ path: `hostTls/${index}/host`, message: `${checked.host} is listed twice` });
    else if (checked) hostTls.set(checked.host, checked);
  });
  if (issues.length > 0) throw new Invalid(issues);

  const table: RouteTable = {
    hosts: [...hosts].map(([host, routes]) => ({ host, routes: [...routes].sort(compareRoutes) })).sort(byHost),
    hostRedirects: [...redirects].map(([host, { toHost }]) => ({ host, toHost })).sort(byHost),
    notFoundFallback: true,
  };
  if (input.acmeChallengeUpstream) {
    table.acmeChallengeUpstream = { name: input.acmeChallengeUpstream.name, port: input.acmeChallengeUpstream.port };
  }
  const kept = certificates.filter((cert): cert is TlsCertificate => cert !== undefined && cert.hosts.length > 0);
  if (kept.length > 0) table.certificates = kept.sort((a, b) => (a.hosts[0]! < b.hosts[0]! ? -1 : a.hosts[0]! > b.hosts[0]! ? 1 : 0));
  const tls = [...hostTls.values()].filter((t) => !isDefaultTls(t)).sort(byHost);
  if (tls.length > 0) table.hostTls = tls;
  return table;
}

/** Every distinct upstream the table routes to (ACME hook included), sorted by name then port. */
export function upstreamsOf(table: RouteTable): Upstream[] {
  const seen = new Map<string, Upstream>();
  const add = (upstream: Upstream) => seen.set(`${upstream.name}:${upstream.port}`, upstream);
  for (const host of table.hosts) for (const route of host.routes) if (route.action.kind === 'proxy') add(route.action.upstream);
  if (table.acmeChallengeUpstream) add(table.acmeChallengeUpstream);
  return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.port - b.port));
}
