// Authorization in one place. Every route declares `config.access`; this layer resolves the caller
// (session cookie or API key), their organisation and role, and checks the declared permission before
// any handler runs. Default deny: registering a route without a declaration throws at start-up.
// It also writes the audit row for every successful mutation (onSend, so it is stored before the
// client sees the response). Handlers never check permissions themselves.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { ActorKind, Role } from '../db/schema/index.ts';
import { roleAllows, type Permission } from '../core/access/permissions.ts';
import { recordAudit } from '../core/audit/audit.ts';
import { Forbidden, NotFound, Unauthorized } from '../core/errors.ts';
import { resolveApiKey } from '../core/identity/api-keys.ts';
import { csrfMatches, resolveSession } from '../core/identity/sessions.ts';
import type { UserView } from '../core/identity/users.ts';
import { findMembership } from '../core/orgs/orgs.ts';

export type Access =
  | { kind: 'public' }
  | { kind: 'user' }
  | { kind: 'instance-admin' }
  | { kind: 'org'; permission: Permission };

export const access = {
  public: { kind: 'public' } as Access,
  user: { kind: 'user' } as Access,
  instanceAdmin: { kind: 'instance-admin' } as Access,
  org: (permission: Permission): Access => ({ kind: 'org', permission }),
};

export interface Caller {
  user: UserView;
  kind: Extract<ActorKind, 'session' | 'api_key'>;
  apiKeyId?: string;
  sessionTokenHash?: string;
}

export interface OrgScope {
  id: string;
  name: string;
  role: Role;
}

export interface DeclaredRoute {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every API route with its declared access: the authorization matrix test walks this list. */
    berthRoutes: DeclaredRoute[];
  }
  interface FastifyContextConfig {
    access?: Access;
    /** Audit action name; defaults to "<METHOD> <route url>". */
    audit?: string;
  }
  interface FastifyRequest {
    caller?: Caller;
    org?: OrgScope;
    /** Set by handlers that act without a caller (setup) or learn the actor late (login). */
    auditActor?: { kind: ActorKind; userId?: string; orgId?: string };
  }
}

export const SESSION_COOKIE = 'berth_session';
export const CSRF_COOKIE = 'berth_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Fails start-up for a route that declares no access, or an org route without an `:org` parameter. */
export function requireDeclarations(app: FastifyInstance): void {
  const table: DeclaredRoute[] = [];
  app.decorate('berthRoutes', table);
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) return;
    const declared = (route.config as { access?: Access } | undefined)?.access;
    if (!declared) throw new Error(`route ${String(route.method)} ${route.url} declares no access: every API route must`);
    if (declared.kind === 'org' && !route.url.includes(':org')) {
      throw new Error(`route ${route.url} needs an organisation permission but has no :org parameter`);
    }
    for (const method of [route.method].flat()) if (method !== 'HEAD') table.push({ method, url: route.url, access: declared });
  });
}

async function resolveCaller(ctx: AppContext, req: FastifyRequest): Promise<Caller | undefined> {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const found = m ? await resolveApiKey(ctx.database.db, m[1]!) : undefined;
    if (!found) throw new Unauthorized('invalid or revoked API key');
    return { user: found.user, kind: 'api_key', apiKeyId: found.apiKeyId };
  }
  const token = req.cookies[SESSION_COOKIE];
  if (!token) return undefined;
  const session = await resolveSession(ctx.database.db, token);
  if (!session) return undefined;
  // Cookies ride along on cross-site requests; the CSRF header cannot.
  if (MUTATING.has(req.method) && !csrfMatches(req.headers[CSRF_HEADER] as string | undefined, session.csrfTokenHash)) {
    throw new Forbidden('missing or invalid CSRF token (send the x-csrf-token header)');
  }
  return { user: session.user, kind: 'session', sessionTokenHash: session.tokenHash };
}

async function authorize(ctx: AppContext, req: FastifyRequest): Promise<void> {
  const declared = req.routeOptions.config.access;
  if (!declared) throw new Forbidden('this route declares no access');
  if (declared.kind === 'public') return;
  const caller = await resolveCaller(ctx, req);
  if (!caller) throw new Unauthorized('sign in or send an API key');
  req.caller = caller;
  if (declared.kind === 'user') return;
  if (declared.kind === 'instance-admin') {
    if (!caller.user.isInstanceAdmin) throw new Forbidden('only an instance administrator can do this');
    return;
  }
  const orgName = (req.params as { org?: string }).org ?? '';
  const membership = await findMembership(ctx.database.db, { userId: caller.user.id, orgName });
  // Not a member looks exactly like "no such organisation": no existence leak across tenants.
  if (!membership) throw new NotFound(`organisation "${orgName}" not found`);
  req.org = { ...membership.org, role: membership.role };
  if (!roleAllows(membership.role, declared.permission)) {
    throw new Forbidden(`your role (${membership.role}) does not allow ${declared.permission}`);
  }
}

async function audit(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!MUTATING.has(req.method) || reply.statusCode >= 400) return;
  const config = req.routeOptions.config;
  if (!config.access) return;
  // Route parameters name the target; a secret one (a webhook's URL token) is never written down.
  const { org: _org, token: _token, ...params } = (req.params ?? {}) as Record<string, string>;
  await recordAudit(ctx.database.db, {
    actorKind: req.auditActor?.kind ?? req.caller?.kind ?? 'system',
    actorUserId: req.auditActor?.userId ?? req.caller?.user.id ?? null,
    apiKeyId: req.caller?.apiKeyId ?? null,
    orgId: req.org?.id ?? req.auditActor?.orgId ?? null,
    action: config.audit ?? `${req.method} ${req.routeOptions.url}`,
    target: Object.keys(params).length ? Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ') : null,
    status: reply.statusCode,
    ip: req.ip,
    userAgent: req.headers['user-agent'] ?? null,
  });
}

export function installAccessLayer(app: FastifyInstance, ctx: AppContext): void {
  // onRequest: the caller is checked before the body is even read (no upload from a stranger, and no
  // 400/415 that would tell them anything about the route).
  app.addHook('onRequest', async (req) => {
    if (req.is404 || !req.url.startsWith('/api/') || req.url.startsWith('/api/docs')) return;
    await authorize(ctx, req);
  });
  app.addHook('onSend', async (req, reply, payload) => {
    await audit(ctx, req, reply).catch((err: unknown) => req.log.error({ err }, 'could not write the audit row'));
    return payload;
  });
}
