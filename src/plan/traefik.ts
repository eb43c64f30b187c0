// Pure renderer: a RouteTable → Traefik v3 dynamic configuration (routers, services, middlewares), the
// body Berth serves to Traefik's HTTP provider. Traefik re-reads it on each poll and applies it without
// dropping connections, so upstream membership may be rendered as task addresses directly (`addressesOf`);
// without them, servers name the upstream and Traefik's own resolver must reach Berth's DNS.
// Unknown hosts need no catch-all: Traefik answers 404 when no router matches.
// Must never do I/O, read anything but its arguments, or render a value the planner did not validate.
import { createHash } from 'node:crypto';
import { ACME_CHALLENGE_PREFIX, type HostRedirect, type HostRoutes, type Route, type RouteTable, type Upstream } from './routes.ts';

export interface TraefikRenderOptions {
  /** Entry point of plain HTTP; default `web`. */
  entryPoint?: string;
  /** The live addresses of an upstream name (Berth's DNS records); undefined → the name itself. */
  addressesOf?: (name: string) => readonly string[] | undefined;
}

export interface TraefikRouter {
  rule: string;
  priority: number;
  entryPoints: string[];
  service: string;
  middlewares?: string[];
}

export type TraefikMiddleware =
  | { basicAuth: { users: string[]; realm: string } }
  | { redirectRegex: { regex: string; replacement: string; permanent: boolean } }
  | { retry: { attempts: number; initialInterval: string } };

export interface TraefikService {
  loadBalancer: { servers: Array<{ url: string }>; passHostHeader: boolean };
}

export interface TraefikDynamicConfig {
  http: {
    routers: Record<string, TraefikRouter>;
    services: Record<string, TraefikService>;
    middlewares: Record<string, TraefikMiddleware>;
  };
}

/** Traefik's built-in service for routers whose middleware answers (redirects). */
const NOOP_SERVICE = 'noop@internal';
const RETRY_MIDDLEWARE = 'berth-retry';
/** Above every host route (1000 + prefix length ≤ 2024), below Traefik's internal routers. */
const ACME_PRIORITY = 10_000;
const ROUTE_PRIORITY_BASE = 1000;
/** Matches any request URL; group 1 = scheme, group 2 = path and query. */
const ANY_URL = '^(https?)://[^/]+(.*)$';

/** Readable, unique object names: a slug for people, a short hash of the exact key for uniqueness. */
function objectName(kind: string, readable: string, key: string): string {
  const slug = readable.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return `${kind}-${slug || 'root'}-${hash}`;
}

function serviceName(upstream: Upstream): string {
  return objectName('upstream', `${upstream.name}-${upstream.port}`, `${upstream.name}:${upstream.port}`);
}

function pathRule(prefix: string): string {
  return prefix === '/' ? '' : ` && (Path(\`${prefix}\`) || PathPrefix(\`${prefix}/\`))`;
}

function servers(upstream: Upstream, options: TraefikRenderOptions): Array<{ url: string }> {
  const addresses = options.addressesOf?.(upstream.name);
  const hosts = addresses && addresses.length > 0 ? [...addresses].sort() : [upstream.name];
  return hosts.map((host) => ({ url: `http://${host}:${upstream.port}` }));
}

class Builder {
  readonly config: TraefikDynamicConfig = { http: { routers: {}, services: {}, middlewares: {} } };
  private readonly entryPoints: string[];

  constructor(private readonly options: TraefikRenderOptions) {
    this.entryPoints = [options.entryPoint ?? 'web'];
  }

  service(upstream: Upstream): string {
    const name = serviceName(upstream);
    this.config.http.services[name] = { loadBalancer: { servers: servers(upstream, this.options), passHostHeader: true } };
    return name;
  }

  retry(): string {
    this.config.http.middlewares[RETRY_MIDDLEWARE] = { retry: { attempts: 3, initialInterval: '100ms' } };
    return RETRY_MIDDLEWARE;
  }

  router(name: string, router: Omit<TraefikRouter, 'entryPoints'>): void {
    const { middlewares, ...rest } = router;
    this.config.http.routers[name] = { ...rest, entryPoints: this.entryPoints, ...(middlewares?.length ? { middlewares } : {}) };
  }

  hostRoute(host: HostRoutes, route: Route): void {
    const key = `${host.host}${route.pathPrefix}`;
    const middlewares: string[] = [];
    if (route.basicAuth) {
      const name = objectName('auth', key, key);
      this.config.http.middlewares[name] = { basicAuth: { users: [`${route.basicAuth.username}:${route.basicAuth.passwordHash}`], realm: 'restricted' } };
      middlewares.push(name);
    }
    let service = NOOP_SERVICE;
    if (route.action.kind === 'redirect') {
      const name = objectName('redirect', key, key);
      this.config.http.middlewares[name] = { redirectRegex: { regex: ANY_URL, replacement: `${route.action.to}\${2}`, permanent: route.action.permanent } };
      middlewares.push(name);
    } else {
      middlewares.push(this.retry());
      service = this.service(route.action.upstream);
    }
    this.router(objectName('route', key, key), {
      rule: `Host(\`${host.host}\`)${pathRule(route.pathPrefix)}`,
      priority: ROUTE_PRIORITY_BASE + route.pathPrefix.length,
      service,
      middlewares,
    });
  }

  hostRedirect(redirect: HostRedirect): void {
    const name = objectName('redirect', redirect.host, `host:${redirect.host}`);
    this.config.http.middlewares[name] = { redirectRegex: { regex: ANY_URL, replacement: `\${1}://${redirect.toHost}\${2}`, permanent: true } };
    this.router(objectName('route', redirect.host, `host:${redirect.host}`), {
      rule: `Host(\`${redirect.host}\`)`,
      priority: ROUTE_PRIORITY_BASE + 1,
      service: NOOP_SERVICE,
      middlewares: [name],
    });
  }

  acmeChallenge(upstream: Upstream): void {
    this.router('acme-challenge', {
      rule: `PathPrefix(\`${ACME_CHALLENGE_PREFIX}\`)`,
      priority: ACME_PRIORITY,
      service: this.service(upstream),
    });
  }
}

/** Traefik v3 dynamic configuration for `table`. Objects are inserted in table order, so output is stable. */
export function renderTraefikConfig(table: RouteTable, options: TraefikRenderOptions = {}): TraefikDynamicConfig {
  const builder = new Builder(options);
  if (table.acmeChallengeUpstream) builder.acmeChallenge(table.acmeChallengeUpstream);
  for (const host of table.hosts) for (const route of host.routes) builder.hostRoute(host, route);
  for (const redirect of table.hostRedirects) builder.hostRedirect(redirect);
  return builder.config;
}

/** What the API answers Traefik's HTTP provider (`providers.http.endpoint`): JSON text and its type. */
export function traefikHttpProviderResponse(table: RouteTable, options: TraefikRenderOptions = {}): { contentType: string; body: string } {
  return { contentType: 'application/json', body: JSON.stringify(renderTraefikConfig(table, options)) };
}
