// The CLI's only way to the server: fetch with an API key, a timeout, and errors turned into ApiError
// (the server's `{ error, message, issues }`) or UnreachableError ("cannot reach …: connection refused").
// Response and request shapes are the server's own zod schemas, imported as types only, so the CLI
// never loads server code at run time and cannot drift from the API.
import type { z } from 'zod';
import type { apiKeyOut, envVarOut, environmentOut, orgOut, projectOut, serviceOut, userOut } from '../api/schemas.ts';
import type { newProjectSchema } from '../core/projects/projects.ts';
import type { newServiceSchema } from '../core/services/services.ts';
import type { newUserSchema } from '../core/identity/users.ts';
import type { instanceSettingsSchema } from '../core/system/settings.ts';
import { ApiError, UnreachableError, type FieldIssue } from './errors.ts';

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

function asIssues(value: unknown): FieldIssue[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((i): i is { path: unknown; message: unknown } => typeof i === 'object' && i !== null)
    .map((i) => ({ path: String(i.path ?? ''), message: String(i.message ?? '') }));
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

  async request<T>(method: Method, route: string, opts: { body?: unknown; query?: Query } = {}): Promise<T> {
    const target = new URL(this.url + route);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) target.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
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

  getSettings = () => this.request<InstanceSettings>('GET', '/api/settings');
  updateSettings = (patch: Partial<InstanceSettings>) => this.request<InstanceSettings>('PATCH', '/api/settings', { body: patch });

  listUsers = () => this.request<User[]>('GET', '/api/users');
  createUser = (body: NewUser) => this.request<CreatedUser>('POST', '/api/users', { body });
}
