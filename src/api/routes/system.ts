// Health and first-run setup.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { createOwner, setupRequired, setupSchema } from '../../core/identity/setup.ts';
import { checkHealth } from '../../core/system/health.ts';
import { access } from '../access.ts';
import { startSession } from './session-cookies.ts';
import { userOut } from '../schemas.ts';
import type { Api } from '../server.ts';

const component = z.object({ ok: z.boolean(), detail: z.string() }).catchall(z.unknown());
export const AUTH_RATE_LIMIT = { max: 10, timeWindow: 60_000 };

export function systemRoutes(app: Api, ctx: AppContext): void {
  app.get('/api/health', {
    config: { access: access.public },
    schema: {
      summary: 'Health of the control plane, its database, the Docker engine, Swarm and the proxy',
      tags: ['system'],
      response: {
        200: z.object({ status: z.enum(['ok', 'degraded', 'down']), database: component, docker: component, swarm: component, proxy: component }),
        503: z.object({ status: z.enum(['ok', 'degraded', 'down']), database: component, docker: component, swarm: component, proxy: component }),
      },
    },
    handler: async (_req, reply) => {
      const report = await checkHealth(ctx.database.db, ctx.probes);
      return reply.code(report.status === 'down' ? 503 : 200).send(report);
    },
  });

  app.get('/api/setup', {
    config: { access: access.public },
    schema: { summary: 'Whether the one-time setup (creating the owner) is still to be done', tags: ['setup'], response: { 200: z.object({ required: z.boolean() }) } },
    handler: async () => ({ required: await setupRequired(ctx.database.db) }),
  });

  app.post('/api/setup', {
    config: { access: access.public, audit: 'setup.create_owner', rateLimit: AUTH_RATE_LIMIT },
    schema: {
      summary: 'Create the owner with the one-time setup token printed at first boot',
      tags: ['setup'],
      body: setupSchema,
      response: { 201: z.object({ user: userOut, organization: z.object({ id: z.uuid(), name: z.string() }), csrfToken: z.string() }) },
    },
    handler: async (req, reply) => {
      const result = await createOwner(ctx.database.db, req.body, { dataDir: ctx.config.BERTH_DATA_DIR });
      req.auditActor = { kind: 'setup_token', userId: result.user.id, orgId: result.organization.id };
      const { csrfToken } = await startSession(ctx, req, reply, result.user.id);
      return reply.code(201).send({ ...result, csrfToken });
    },
  });
}
