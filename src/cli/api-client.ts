// The CLI's only way to the server: fetch with an API key, a timeout, and errors turned into ApiError
// (the server's `{ error, message, issues }`) or UnreachableError ("cannot reach …: connection refused").
// Streams (deployment and runtime logs) are server-sent events read from fetch's body as they arrive.
// Response and request shapes are the server's own zod schemas, imported as types only, so the CLI
// never loads server code at run time and cannot drift from the API.
import type { z } from 'zod';
import type { apiKeyOut, deploymentOut, domainOut, envVarOut, environmentOut, orgOut, projectOut, serviceOut, userOut } from '../api/schemas.ts';
import type { newDomainSchema } from '../core/domains/domains.ts';
import type { newProjectSchema } from '../core/projects/projects.ts';
import type { newServiceSchema } from '../core/services/services.ts';
import type { newUserSchema } from '../core/identity/users.ts';
import type { instanceSettingsSchema } from '../core/system/settings.ts';
import { ApiError, UnreachableError, type FieldIssue } from './errors.ts';
import { readEvents, type SseEvent, type SseParser } from './sse.ts';

export type User = z.input<typeof userOut>;
export type Org = z.input<typeof orgOut>;
export type ApiKey = z.input<typeof apiKeyOut>;
export type Project = z.input<typeof projectOut>;
export type Environment = z.input<typeof environmentOut>;
export type ProjectWithEnvironments = Project & { environments: Environment[] };
export type Service = z.input<typeof serviceOut>;
export type EnvVar = z.input<typeof envVarOut>;
export type InstanceSettings = z.input<typeof instanceSettingsSchema>;
export type Me = { user: User; via: 'session' | 'api_key'; organizations: Org[] };
export type NewProject = z.input<typeof newProjectSchema>;
export type NewService = z.input<typeof newServiceSchema>;
export type NewUser = Omit<z.input<typeof newUserSchema>, 'password'> & { password?: string };
export type CreatedUser = { user: User; password?: string };
export type Deployment = z.input<typeof deploymentOut>;
export type DeploymentStatus = Deployment['status'];
export type Domain = z.input<typeof domainOut>;
export type NewDomain = z.input<typeof newDomainSchema>;
/** One line of a deployment's log (its `seq` is also the event id of the live stream). */
export type DeploymentLogLine = { seq: number; at: string; line: string };
export type DeploymentLog = { status: DeploymentStatus; lines: DeploymentLogLine[] };
/** One line of a live release's output. */
export type RuntimeLogLine = { stream: 'stdout' | 'stderr'; at: string | null; line: string };
export type Webhook = { path: string; secret: string; watchPaths: string[]; lastDeliveryAt: string | null };
export type WebhookUpdate = { rotate?: boolean; watchPaths?: string[] };
export type ServiceTask = { slot: number | null; state: string; health: string | null; node: string; message: string; error: string | null };
/** GET …/status (the route has no response schema: this mirrors its handler). */
export type ServiceStatus = {
  state: 'deploying' | 'not deployed' | 'failed' | 'running' | 'stopped' | 'degraded';
  replicas: { desired: number; healthy: number };
  current: Deployment | null;
  latest: Deployment | null;
  tasks: ServiceTask[];
};

export interface ServiceScope {
  org: string;
  project: string;
  env: string;
}

export interface ApiClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:3000 (no trailing slash needed). */
  url: string;
  apiKey?: string;
  timeoutMs?: number;
  userAgent?: string;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Query = Record<string, string | undefined>;

const DEFAULT_TIMEOUT_MS = 30_000;
/** A live stream with no byte for this long is dead: the server sends a keep-alive comment every 15 s. */
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export interface StreamOptions {
  query?: Query;
  /** Aborting stops the stream quietly: the generator just returns. */
  signal?: AbortSignal;
  idleTimeoutMs?: number;
  /** Pass one in to read its lastEventId afterwards. */
  parser?: SseParser;
}

/** Builds a path with every interpolated value URL-encoded: path`/api/orgs/${org}`. */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]!) : ''), '');
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
};

/** Why a fetch got no HTTP answer, in a few words. */
export function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`;
  const code = e?.cause?.code ?? e?.cause?.errors?.[0]?.code;
  if (code && NETWORK_REASONS[code]) return NETWORK_REASONS[code];
  if (code && /CERT|TLS|SSL/.test(code)) return `TLS error: ${e.cause?.message ?? code}`;
  return e?.cause?.message ?? e?.message ?? String(err);
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** Calls `onChunk` as each chunk passes. */
async function* tap(body: AsyncIterable<Uint8Array>, onChunk: () => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    onChunk();
    yield chunk;
  }
}

function asIssues(value: unknown): FieldIssue[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((i): i is { path: unknown; message: unknown } => typeof i === 'object' && i !== null)
    .map((i) => ({ path: String(i.path ?? ''), message: String(i.message ?? '') }));
}

/** The URL of one service: /api/orgs/:org/projects/:project/environments/:env/services/:service. */
function svc(s: ServiceScope, name: string): string {
  return path`/api/orgs/${s.org}/projects/${s.project}/environments/${s.env}/services/${name}`;
}

export class ApiClient {
  readonly url: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(opts: ApiClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.apiKey = opts.apiKey;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.userAgent = opts.userAgent ?? 'berth-cli';
  }

  private target(route: string, query: Query = {}): URL {
    const target = new URL(this.url + route);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) target.searchParams.set(k, v);
    return target;
  }

  private headers(accept: string): Record<string, string> {
    const headers: Record<string, string> = { accept, 'user-agent': this.userAgent };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    return headers;
  }

  async request<T>(method: Method, route: string, opts: { body?: unknown; query?: Query } = {}): Promise<T> {
    const target = this.target(route, opts.query);
    const headers = this.headers('application/json');
    if (opts.body !== undefined) headers['content-type'] = 'application/json';

    let res: Response;
    let text: string;
    try {
      res = await fetch(target, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
      text = await res.text();
    } catch (err) {
      throw new UnreachableError(this.url, networkReason(err, this.timeoutMs), { cause: err });
    }
    return this.parse<T>(res, text, `${method} ${target.pathname}`);
  }

  /**
   * The server-sent events of a GET, as they arrive. The connect timeout covers the answer's headers;
   * after that the stream may run for hours, but a silence longer than `idleTimeoutMs` (no event, no
   * keep-alive) counts as a lost connection. An error answer (JSON) throws ApiError as `request` does.
   */
  async *events(route: string, opts: StreamOptions = {}): AsyncGenerator<SseEvent> {
    const target = this.target(route, opts.query);
    const what = `GET ${target.pathname}`;
    const idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const abort = new AbortController();
    const stop = () => abort.abort();
    if (opts.signal?.aborted) return;
    opts.signal?.addEventListener('abort', stop, { once: true });
    let silence: string | undefined;
    let timer = setTimeout(() => {
      silence = `no answer within ${seconds(this.timeoutMs)}`;
      abort.abort();
    }, this.timeoutMs);
    const lost = (err: unknown) => new UnreachableError(this.url, silence ?? `connection lost: ${networkReason(err, idleMs)}`, { cause: err });
    try {
      let res: Response;
      try {
        res = await fetch(target, { method: 'GET', headers: this.headers('text/event-stream'), signal: abort.signal, redirect: 'error' });
      } catch (err) {
        if (opts.signal?.aborted) return;
        throw new UnreachableError(this.url, silence ?? networkReason(err, this.timeoutMs), { cause: err });
      }
      if (!res.ok || !/^text\/event-stream\b/i.test(res.headers.get('content-type') ?? '')) {
        let text: string;
        try {
          text = await res.text();
        } catch (err) {
          if (opts.signal?.aborted) return;
          throw new UnreachableError(this.url, silence ?? networkReason(err, this.timeoutMs), { cause: err });
        }
        if (res.ok) throw new ApiError(res.status, 'unexpected_response', `unexpected answer from ${this.url} to ${what}: not an event stream`);
        this.parse(res, text, what);
      }
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          silence = `connection lost: no data for ${seconds(idleMs)}`;
          abort.abort();
        }, idleMs);
      };
      if (!res.body) return;
      arm();
      try {
        yield* readEvents(tap(res.body, arm), opts.parser);
      } catch (err) {
        if (opts.signal?.aborted) return;
        throw lost(err);
      }
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', stop);
      abort.abort(); // the consumer may stop early: close the connection
    }
  }

  private parse<T>(res: Response, text: string, what: string): T {
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      const hint = res.ok ? 'not JSON: is this a Berth server?' : `${res.status} ${res.statusText}`;
      throw new ApiError(res.status, 'unexpected_response', `unexpected answer from ${this.url} to ${what}: ${hint}`);
    }
    if (res.ok) return body as T;
    const err = (body ?? {}) as { error?: unknown; message?: unknown; issues?: unknown };
    const message = typeof err.message === 'string' && err.message ? err.message : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, typeof err.error === 'string' ? err.error : 'http_error', message, asIssues(err.issues));
  }

  me = () => this.request<Me>('GET', '/api/me');

  listProjects = (org: string) => this.request<Project[]>('GET', path`/api/orgs/${org}/projects`);
  createProject = (org: string, body: NewProject) => this.request<ProjectWithEnvironments>('POST', path`/api/orgs/${org}/projects`, { body });
  deleteProject = (org: string, name: string) => this.request<Project>('DELETE', path`/api/orgs/${org}/projects/${name}`);

  listServices = (org: string, filter: { project?: string; environment?: string } = {}) =>
    this.request<Service[]>('GET', path`/api/orgs/${org}/services`, { query: filter });
  createService = (s: ServiceScope, body: NewService) =>
    this.request<Service>('POST', path`/api/orgs/${s.org}/projects/${s.project}/environments/${s.env}/services`, { body });
  deleteService = (s: ServiceScope, name: string) =>
    this.request<{ ok: true }>('DELETE', path`/api/orgs/${s.org}/projects/${s.project}/environments/${s.env}/services/${name}`);
  listEnvVars = (s: ServiceScope, name: string) =>
    this.request<EnvVar[]>('GET', path`/api/orgs/${s.org}/projects/${s.project}/environments/${s.env}/services/${name}/env`);

  deploy = (s: ServiceScope, name: string) => this.request<Deployment>('POST', `${svc(s, name)}/deployments`);
  /** Always sends a body: the route refuses a body-less POST although `to` is optional. */
  rollback = (s: ServiceScope, name: string, to?: string) => this.request<Deployment>('POST', `${svc(s, name)}/rollback`, { body: to ? { to } : {} });
  listDeployments = (s: ServiceScope, name: string, limit?: number) =>
    this.request<Deployment[]>('GET', `${svc(s, name)}/deployments`, { query: { limit: limit === undefined ? undefined : String(limit) } });
  getDeployment = (s: ServiceScope, name: string, id: string) => this.request<Deployment>('GET', `${svc(s, name)}${path`/deployments/${id}`}`);
  cancelDeployment = (s: ServiceScope, name: string, id: string) => this.request<Deployment>('POST', `${svc(s, name)}${path`/deployments/${id}/cancel`}`);
  deploymentLog = (s: ServiceScope, name: string, id: string, after = 0) =>
    this.request<DeploymentLog>('GET', `${svc(s, name)}${path`/deployments/${id}/logs`}`, { query: { after: String(after) } });
  /** A deployment's log from line `after` on, live until its `end` event. */
  deploymentLogEvents = (s: ServiceScope, name: string, id: string, opts: Omit<StreamOptions, 'query'> & { after?: number } = {}) =>
    this.events(`${svc(s, name)}${path`/deployments/${id}/logs`}`, { ...opts, query: { follow: 'true', after: String(opts.after ?? 0) } });
  /** The live release's output: the last `tail` lines (or those since `since`, unix seconds), then live with `follow`. */
  runtimeLogEvents = (s: ServiceScope, name: string, opts: Omit<StreamOptions, 'query'> & { follow?: boolean; tail?: number; since?: number } = {}) =>
    this.events(`${svc(s, name)}/logs`, {
      ...opts,
      query: { follow: opts.follow ? 'true' : 'false', tail: opts.tail === undefined ? undefined : String(opts.tail), since: opts.since === undefined ? undefined : String(opts.since) },
    });
  serviceStatus = (s: ServiceScope, name: string) => this.request<ServiceStatus>('GET', `${svc(s, name)}/status`);

  listDomains = (s: ServiceScope, name: string) => this.request<Domain[]>('GET', `${svc(s, name)}/domains`);
  addDomain = (s: ServiceScope, name: string, body: NewDomain) => this.request<Domain>('POST', `${svc(s, name)}/domains`, { body });
  removeDomain = (s: ServiceScope, name: string, id: string) => this.request<{ ok: true }>('DELETE', `${svc(s, name)}${path`/domains/${id}`}`);
  getWebhook = (s: ServiceScope, name: string) => this.request<Webhook>('GET', `${svc(s, name)}/webhook`);
  updateWebhook = (s: ServiceScope, name: string, body: WebhookUpdate) => this.request<Webhook>('POST', `${svc(s, name)}/webhook`, { body });

  getSettings = () => this.request<InstanceSettings>('GET', '/api/settings');
  updateSettings = (patch: Partial<InstanceSettings>) => this.request<InstanceSettings>('PATCH', '/api/settings', { body: patch });

  listUsers = () => this.request<User[]>('GET', '/api/users');
  createUser = (body: NewUser) => this.request<CreatedUser>('POST', '/api/users', { body });
}
