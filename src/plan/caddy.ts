// Pure renderer: a RouteTable → the complete Caddy 2 JSON config Berth loads through the admin API.
// Upstreams are `dynamic_upstreams` (A records from Berth's DNS server, re-resolved every `refresh`), so
// moving traffic between releases changes a DNS answer, never this config: every Caddy config change
// resets idle keep-alive connections (TESTBED.md). Only fields Caddy 2.6.2 accepts are used.
// Must never do I/O, read anything but its arguments, or render a value the planner did not validate.
import { ACME_CHALLENGE_PREFIX, certificateCovers, type BasicAuth, type HostRoutes, type HostTls, type Route, type RouteAction, type RouteTable, type Upstream } from './routes.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** How often Caddy re-resolves an upstream name; a switch waits longer than this before draining. */
export const CADDY_UPSTREAM_REFRESH_MS = 500;

/** Where the admin socket lives inside the proxy container (the directory is a bind mount). */
export const CADDY_ADMIN_SOCKET = '/run/caddy/admin.sock';

/** The port Caddy listens on inside its container; the published host port is the service's business. */
export const CADDY_HTTP_PORT = 80;

/** The HTTPS port inside the proxy container (only listened on when a certificate is loaded). */
export const CADDY_TLS_PORT = 443;

export interface CaddyRenderOptions {
  /** Berth's DNS server as the proxy container reaches it: `udp/<ip>:<port>`. */
  resolver: string;
  /** Default CADDY_ADMIN_SOCKET. */
  adminSocket?: string;
}

/**
 * Retries and passive health: a task on a lost node stays in the answer until the control plane
 * withdraws it, so a dial gives up after 1 s (overlay dials take milliseconds) and the request is tried
 * again (GETs on any error, other methods only when no connection was made) for up to 10 s, on the
 * next address in round-robin order (a random pick could choose the dead one again). Passive
 * health marks a failing address down for 5 s; Caddy 2.6.2 forgets that mark for dynamic upstreams
 * (measured: a dead address is picked again), so there the retries alone carry the request.
 */
const LOAD_BALANCING = { selection_policy: { policy: 'round_robin' }, try_duration: '10s', try_interval: '250ms' } as const;
const PASSIVE_HEALTH = { fail_duration: '5s', max_fails: 1 } as const;
const TRANSPORT = { protocol: 'http', dial_timeout: '1s' } as const;

const NOT_FOUND: JsonObject = { handler: 'static_response', status_code: 404, body: 'Not Found\n' };

/** The absolute form of the name, so the resolver never tries the container's search domains. */
function absoluteName(name: string): string {
  return `${name}.`;
}

function reverseProxy(upstream: Upstream, options: CaddyRenderOptions): JsonObject {
  return {
    handler: 'reverse_proxy',
    dynamic_upstreams: {
      source: 'a',
      name: absoluteName(upstream.name),
      port: String(upstream.port),
      refresh: `${CADDY_UPSTREAM_REFRESH_MS / 1000}s`,
      resolver: { addresses: [options.resolver] },
    },
    load_balancing: { selection_policy: { ...LOAD_BALANCING.selection_policy }, try_duration: LOAD_BALANCING.try_duration, try_interval: LOAD_BALANCING.try_interval },
    health_checks: { passive: { ...PASSIVE_HEALTH } },
    transport: { ...TRANSPORT },
  };
}

/** Caddy 2.6 wants the bcrypt hash base64-encoded in JSON (as `caddy hash-password` printed it up to 2.6). */
function basicAuthentication(auth: BasicAuth): JsonObject {
  return {
    handler: 'authentication',
    providers: {
      http_basic: {
        accounts: [{ username: auth.username, password: Buffer.from(auth.passwordHash, 'utf8').toString('base64') }],
        hash: { algorithm: 'bcrypt' },
        realm: 'restricted',
      },
    },
  };
}

function redirectResponse(location: string, permanent: boolean): JsonObject {
  return { handler: 'static_response', status_code: permanent ? 308 : 307, headers: { Location: [location] } };
}

function actionHandler(action: RouteAction, options: CaddyRenderOptions): JsonObject {
  return action.kind === 'proxy'
    ? reverseProxy(action.upstream, options)
    : redirectResponse(`${action.to}{http.request.uri}`, action.permanent);
}

/** `/api` matches `/api` and `/api/…`, never `/apix`. */
function pathMatcher(prefix: string): JsonObject[] | undefined {
  return prefix === '/' ? undefined : [{ path: [prefix, `${prefix}/*`] }];
}

function hostSubroute(route: Route, options: CaddyRenderOptions): JsonObject {
  const handle = [...(route.basicAuth ? [basicAuthentication(route.basicAuth)] : []), actionHandler(route.action, options)];
  const match = pathMatcher(route.pathPrefix);
  return { ...(match ? { match } : {}), handle, terminal: true };
}

/** `Strict-Transport-Security` on every HTTPS answer of a host (set, so an app's own header is replaced). */
function hstsHeader(maxAge: number): JsonObject {
  return { handler: 'headers', response: { set: { 'Strict-Transport-Security': [`max-age=${maxAge}`] } } };
}

function hostRoute(host: HostRoutes, options: CaddyRenderOptions, hstsMaxAge?: number): JsonObject {
  const routes = host.routes.map((route) => hostSubroute(route, options));
  // A host without a `/` route answers 404 itself: its route is terminal, so nothing after it runs.
  if (!host.routes.some((route) => route.pathPrefix === '/')) routes.push({ handle: [NOT_FOUND] });
  const handle = [...(hstsMaxAge !== undefined ? [hstsHeader(hstsMaxAge)] : []), { handler: 'subroute', routes }];
  return { match: [{ host: [host.host] }], handle, terminal: true };
}

/** How each host is served: over HTTPS (a certificate covers it and HTTPS is on), redirected from HTTP, with HSTS. */
interface HostTlsPlan {
  secure(host: string): boolean;
  redirects(host: string): boolean;
  hsts(host: string): number | undefined;
}

function tlsPlan(table: RouteTable): HostTlsPlan {
  const names = (table.certificates ?? []).flatMap((cert) => cert.hosts);
  const choices = new Map<string, HostTls>((table.hostTls ?? []).map((t) => [t.host, t]));
  const secure = (host: string) => choices.get(host)?.https !== false && certificateCovers(names, host);
  return {
    secure,
    redirects: (host) => secure(host) && choices.get(host)?.redirectHttp !== false,
    hsts: (host) => (secure(host) ? choices.get(host)?.hstsMaxAge : undefined),
  };
}

/** `https`: the :443 server (only hosts with a certificate and HTTPS on); `http`: the :80 server (every
 * host; those served over HTTPS redirect there unless their redirect is off; ACME challenges excepted). */
function serverRoutes(table: RouteTable, options: CaddyRenderOptions, scheme: 'http' | 'https' = 'http'): JsonObject[] {
  const routes: JsonObject[] = [];
  const tls = tlsPlan(table);
  if (table.acmeChallengeUpstream && scheme === 'http') {
    routes.push({ match: [{ path: [`${ACME_CHALLENGE_PREFIX}*`] }], handle: [reverseProxy(table.acmeChallengeUpstream, options)], terminal: true });
  }
  for (const host of table.hosts) {
    if (scheme === 'https' && !tls.secure(host.host)) continue;
    if (scheme === 'http' && tls.redirects(host.host)) {
      routes.push({ match: [{ host: [host.host] }], handle: [redirectResponse('https://{http.request.host}{http.request.uri}', true)], terminal: true });
    } else {
      routes.push(hostRoute(host, options, scheme === 'https' ? tls.hsts(host.host) : undefined));
    }
  }
  for (const redirect of table.hostRedirects) {
    if (scheme === 'https' && !tls.secure(redirect.host)) continue;
    const location = `{http.request.scheme}://${redirect.toHost}{http.request.uri}`;
    routes.push({ match: [{ host: [redirect.host] }], handle: [redirectResponse(location, true)], terminal: true });
  }
  // Without this, Caddy answers an unknown Host with 200 and an empty body.
  routes.push({ handle: [NOT_FOUND] });
  return routes;
}

/** The whole config: admin API on the unix socket, one HTTP server on :80, and an HTTPS one on :443
 * when a host has a certificate (loaded PEM; Caddy's own ACME stays off: Berth issues certificates). */
export function renderCaddyConfig(table: RouteTable, options: CaddyRenderOptions): JsonObject {
  const servers: JsonObject = {
    berth: {
      listen: [`:${CADDY_HTTP_PORT}`],
      automatic_https: { disable: true },
      routes: serverRoutes(table, options),
    },
  };
  const certificates = table.certificates ?? [];
  if (certificates.length > 0) {
    servers.berth_tls = {
      listen: [`:${CADDY_TLS_PORT}`],
      automatic_https: { disable: true },
      tls_connection_policies: [{}],
      routes: serverRoutes(table, options, 'https'),
    };
  }
  const apps: JsonObject = { http: { servers } };
  if (certificates.length > 0) {
    apps.tls = { certificates: { load_pem: certificates.map((cert) => ({ certificate: cert.certificatePem, key: cert.keyPem, tags: [`berth:${cert.hosts[0]!}`] })) } };
  }
  return {
    admin: {
      listen: `unix/${options.adminSocket ?? CADDY_ADMIN_SOCKET}`,
      // On a unix socket Caddy 2.6 rejects the `localhost` Host header unless origins lists it.
      origins: ['localhost'],
      // Berth re-pushes the whole config and keeps its own copy for restarts (infra/proxy/caddy-files.ts).
      config: { persist: false },
    },
    apps,
  };
}

/** Key-sorted JSON: two configs Caddy would run identically (object key order aside) give one string. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
    const entries = Object.entries(node as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

/** True when the running config (as GET /config/ returns it) is the rendered one. */
export function sameCaddyConfig(running: unknown, rendered: unknown): boolean {
  return canonicalJson(running) === canonicalJson(rendered);
}
