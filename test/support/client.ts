// A small HTTP client over fastify.inject that keeps cookies and the CSRF token like a browser would,
// or sends an API key like the CLI does.
import type { Api } from '../../src/api/server.ts';

export interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, unknown>;
}

export class Client {
  cookies = new Map<string, string>();
  csrf: string | undefined;
  apiKey: string | undefined;
  constructor(readonly api: Api) {}

  async request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const h: Record<string, string> = { ...headers };
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrf && method !== 'GET' && !('x-csrf-token' in h)) h['x-csrf-token'] = this.csrf;
    if (this.apiKey) h.authorization = `Bearer ${this.apiKey}`;
    const res = await this.api.inject({ method: method as 'GET', url, headers: h, ...(body === undefined ? {} : { payload: body as object }) });
    for (const c of res.cookies as { name: string; value: string; expires?: Date }[]) {
      if (!c.value || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const text = res.body;
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    const json = parsed as { csrfToken?: string } | undefined;
    if (json && typeof json === 'object' && typeof json.csrfToken === 'string') this.csrf = json.csrfToken;
    return { status: res.statusCode, body: parsed, headers: res.headers as Record<string, unknown> };
  }

  get = (url: string, headers?: Record<string, string>) => this.request('GET', url, undefined, headers);
  post = (url: string, body?: unknown, headers?: Record<string, string>) => this.request('POST', url, body ?? {}, headers);
  put = (url: string, body?: unknown) => this.request('PUT', url, body ?? {});
  patch = (url: string, body?: unknown) => this.request('PATCH', url, body ?? {});
  delete = (url: string) => this.request('DELETE', url);
}

export const PASSWORD = 'correct horse battery staple';

/** Completes setup and returns a client signed in as the owner of organisation `org`. */
export async function setupOwner(api: Api, token: string, opts: { name?: string; org?: string } = {}): Promise<Client> {
  const c = new Client(api);
  const res = await c.post('/api/setup', { token, name: opts.name ?? 'alice', email: `${opts.name ?? 'alice'}@example.com`, password: PASSWORD, organization: opts.org ?? 'acme' });
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return c;
}

/** Creates a user through the instance admin and returns a signed-in client for them. */
export async function userClient(api: Api, admin: Client, name: string): Promise<Client> {
  const created = await admin.post('/api/users', { name, email: `${name}@example.com`, password: PASSWORD });
  if (created.status !== 201) throw new Error(`user create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const c = new Client(api);
  const login = await c.post('/api/auth/login', { login: name, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  return c;
}

/**
 * The owner of `acme`, a member `mia` of `acme`, and `olga`, who owns another organisation `other`:
 * the three callers most access tests need.
 */
export async function ownerMemberOutsider(api: Api, token: string): Promise<{ owner: Client; member: Client; outsider: Client }> {
  const owner = await setupOwner(api, token);
  const member = await userClient(api, owner, 'mia');
  const outsider = await userClient(api, owner, 'olga');
  if ((await owner.post('/api/orgs/acme/members', { user: 'mia', role: 'member' })).status !== 201) throw new Error('could not add mia to acme');
  if ((await outsider.post('/api/orgs', { name: 'other' })).status !== 201) throw new Error('could not create the other organisation');
  return { owner, member, outsider };
}
