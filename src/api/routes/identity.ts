// Login, logout, who am I, API keys, and (for instance administrators) users and instance settings.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { createApiKey, apiKeyNameSchema, listApiKeys, revokeApiKey } from '../../core/identity/api-keys.ts';
import { deleteSession } from '../../core/identity/sessions.ts';
import { authenticate, createUser, listUsers, newUserSchema } from '../../core/identity/users.ts';
import { listMyOrgs } from '../../core/orgs/orgs.ts';
import { getInstanceSettings, instanceSettingsOut, instanceSettingsSchema, updateInstanceSettings } from '../../core/system/settings.ts';
import { recordAudit } from '../../core/audit/audit.ts';
import { Unauthorized } from '../../core/errors.ts';
import { newToken } from '../../core/identity/tokens.ts';
import { access } from '../access.ts';
import { apiKeyOut, ok, orgOut, userOut } from '../schemas.ts';
import type { Api } from '../server.ts';
import { clearSession, startSession } from './session-cookies.ts';
import { AUTH_RATE_LIMIT } from './system.ts';

export function identityRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;

  app.post('/api/auth/login', {
    config: { access: access.public, audit: 'auth.login', rateLimit: AUTH_RATE_LIMIT },
    schema: {
      summary: 'Sign in with a user name (or email) and password; sets the session cookie',
      tags: ['auth'],
      body: z.object({ login: z.string().min(1).max(254), password: z.string().min(1).max(200) }),
      response: { 200: z.object({ user: userOut, csrfToken: z.string() }) },
    },
    handler: async (req, reply) => {
      try {
        const user = await authenticate(db, req.body.login, req.body.password);
        req.auditActor = { kind: 'session', userId: user.id };
        const { csrfToken } = await startSession(ctx, req, reply, user.id);
        return { user, csrfToken };
      } catch (err) {
        if (err instanceof Unauthorized) {
          await recordAudit(db, { actorKind: 'session', action: 'auth.login_failed', target: `login=${req.body.login.slice(0, 100)}`, status: 401, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
        }
        throw err;
      }
    },
  });

  app.post('/api/auth/logout', {
    config: { access: access.user, audit: 'auth.logout' },
    schema: { summary: 'End the current session', tags: ['auth'], response: { 200: ok } },
    handler: async (req, reply) => {
      if (req.caller?.sessionTokenHash) await deleteSession(db, req.caller.sessionTokenHash);
      clearSession(reply);
      return { ok: true as const };
    },
  });

  app.get('/api/me', {
    config: { access: access.user },
    schema: {
      summary: 'The caller, how they authenticated, and their organisations',
      tags: ['auth'],
      response: { 200: z.object({ user: userOut, via: z.enum(['session', 'api_key']), organizations: z.array(orgOut) }) },
    },
    handler: async (req) => ({ user: req.caller!.user, via: req.caller!.kind, organizations: await listMyOrgs(db, req.caller!.user.id) }),
  });

  app.get('/api/me/api-keys', {
    config: { access: access.user },
    schema: { summary: "The caller's API keys (never the keys themselves)", tags: ['auth'], response: { 200: z.array(apiKeyOut) } },
    handler: async (req) => listApiKeys(db, req.caller!.user.id),
  });

  app.post('/api/me/api-keys', {
    config: { access: access.user, audit: 'api_key.create' },
    schema: {
      summary: 'Create an API key; the key is in this response only',
      tags: ['auth'],
      body: z.object({ name: apiKeyNameSchema }),
      response: { 201: apiKeyOut.extend({ key: z.string() }) },
    },
    handler: async (req, reply) => reply.code(201).send(await createApiKey(db, { userId: req.caller!.user.id, name: req.body.name })),
  });

  app.delete('/api/me/api-keys/:id', {
    config: { access: access.user, audit: 'api_key.revoke' },
    schema: { summary: 'Revoke an API key', tags: ['auth'], params: z.object({ id: z.uuid() }), response: { 200: apiKeyOut } },
    handler: async (req) => revokeApiKey(db, { userId: req.caller!.user.id, id: req.params.id }),
  });

  app.get('/api/users', {
    config: { access: access.instanceAdmin },
    schema: { summary: 'All users of this installation', tags: ['users'], response: { 200: z.array(userOut) } },
    handler: async () => listUsers(db),
  });

  app.post('/api/users', {
    config: { access: access.instanceAdmin, audit: 'user.create' },
    schema: {
      summary: 'Create a user; without a password one is generated and returned once',
      tags: ['users'],
      body: newUserSchema.extend({ password: newUserSchema.shape.password.optional() }),
      response: { 201: z.object({ user: userOut, password: z.string().optional() }) },
    },
    handler: async (req, reply) => {
      const generated = req.body.password ? undefined : newToken('pw', 18).slice(3);
      const user = await createUser(db, { ...req.body, password: req.body.password ?? generated! });
      return reply.code(201).send({ user, ...(generated ? { password: generated } : {}) });
    },
  });

  app.get('/api/settings', {
    config: { access: access.user },
    schema: { summary: 'Instance settings', tags: ['settings'], response: { 200: instanceSettingsOut } },
    handler: async () => getInstanceSettings(db),
  });

  app.patch('/api/settings', {
    config: { access: access.instanceAdmin, audit: 'settings.update' },
    schema: { summary: 'Change instance settings (e.g. the base domain)', tags: ['settings'], body: instanceSettingsSchema.partial(), response: { 200: instanceSettingsOut } },
    handler: async (req) => {
      // A new base domain gets its wildcard certificate when HTTPS and a DNS provider covering it are set up.
      const updated = await updateInstanceSettings(db, req.body, { enqueueCertificate: (host) => ctx.certificates.enqueue(host) });
      if ('domain' in req.body) {
        // The automatic hosts (and the control plane's own host) follow the base domain.
        await ctx.ingress.reconcileRoutes().catch((err: unknown) => req.log.warn({ err: (err as Error).message }, 'routes not re-pushed after the base domain changed'));
        ctx.certificates.kick();
      }
      return updated;
    },
  });
}
