// The typed API client. Paths, parameters, bodies and responses come from schema.d.ts, which is
// generated from the server's OpenAPI document (`npm run web:schema`; a test fails when it is stale).
//   const projects = await api.get('/api/orgs/{org}/projects', { path: { org } });
//   await api.post('/api/orgs/{org}/projects', { path: { org }, body: { name } });
// Cookie session: the browser sends berth_session; mutations echo the berth_csrf cookie in x-csrf-token.
// A non-2xx answer throws ApiError carrying the API's { error, message, issues[] }.
import { issueFor, type Issue } from '../lib/issues';
import type { paths } from './schema';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Json<C> = C extends { content: { 'application/json': infer B } } ? B : C extends { content: { 'application/x-ndjson': infer B } } ? B : unknown;
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
export type PathsFor<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];

type Responses<O> = O extends { responses: infer R } ? R : never;
/** The JSON body of a 2xx answer. */
export type OkBody<O> = Json<Responses<O>[Extract<keyof Responses<O>, 200 | 201 | 202 | 204>]>;
type PathParams<O> = O extends { parameters: { path: infer X } } ? (X extends undefined ? never : X) : never;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Q : never;
type BodyOf<O> = O extends { requestBody?: infer RB } ? Json<NonNullable<RB>> : never;

type Options<O> = ([PathParams<O>] extends [never] ? { path?: undefined } : { path: PathParams<O> }) &
  ([BodyOf<O>] extends [never] ? { body?: undefined } : { body: BodyOf<O> }) & {
    query?: QueryParams<O>;
    signal?: AbortSignal;
  };

/** What `api.get(path)` answers. */
export type Response<P extends keyof paths, M extends Method = 'get'> = OkBody<Op<P, M>>;

export type { Issue } from '../lib/issues';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** The message of the issue about `field` (matched on the last segment of `body/spec/replicas`, or the whole path). */
  fieldMessage(field: string): string | undefined {
    return issueFor(this.issues, field);
  }
}

export function csrfToken(): string | undefined {
  const m = /(?:^|;\s*)berth_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

/** Fills `{org}` style placeholders; every value is URI-encoded. */
export function fillPath(template: string, params: Record<string, string | number> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params?.[k];
    if (v === undefined) throw new Error(`missing path parameter ${k} for ${template}`);
    return encodeURIComponent(String(v));
  });
}

/** Listeners told about every 401 (the auth guard sends the user to the login page). */
const unauthorizedListeners = new Set<(url: string) => void>();
export function onUnauthorized(fn: (url: string) => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export async function request<T>(method: Method, template: string, opts: { path?: object; body?: unknown; query?: object; signal?: AbortSignal } = {}): Promise<T> {
  let url = fillPath(template, opts.path as Record<string, string>);
  if (opts.query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null) qs.set(k, String(v));
    const s = qs.toString();
    if (s) url += `?${s}`;
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'get') {
    const csrf = csrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  } else if (method === 'post' || method === 'put' || method === 'patch') {
    headers['content-type'] = 'application/json';
    body = '{}';
  }
  let res: globalThis.Response;
  try {
    res = await fetch(url, { method: method.toUpperCase(), headers, body, credentials: 'same-origin', signal: opts.signal ?? null });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'cannot reach the Berth server: check your connection');
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json ?? {}) as { error?: string; message?: string; issues?: Issue[] };
    if (res.status === 401) for (const fn of unauthorizedListeners) fn(url);
    throw new ApiError(res.status, e.error ?? 'http_' + res.status, e.message ?? `${res.status} ${res.statusText}`, e.issues ?? []);
  }
  return json as T;
}

function method<M extends Method>(m: M) {
  return <P extends PathsFor<M>>(path: P, ...[opts]: Partial<Options<Op<P, M>>> extends Options<Op<P, M>> ? [Options<Op<P, M>>?] : [Options<Op<P, M>>]) =>
    request<OkBody<Op<P, M>>>(m, path as string, (opts ?? {}) as object);
}

export const api = {
  get: method('get'),
  post: method('post'),
  put: method('put'),
  patch: method('patch'),
  delete: method('delete'),
};
