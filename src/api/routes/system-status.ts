// Server status for instance administrators (the dashboard's "Server" page): health, Swarm nodes, and
// the job queue across organisations with positions. Read-only.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { serverStatus } from '../../core/system/status.ts';
import { access } from '../access.ts';
import { isoDate } from '../schemas.ts';
import type { Api } from '../server.ts';

const component = z.object({ ok: z.boolean(), detail: z.string() }).catchall(z.unknown());

const statusOut = z.object({
  health: z.object({ status: z.enum(['ok', 'degraded', 'down']), database: component, docker: component, swarm: component, proxy: component }),
  nodes: z.array(
    z.object({
      id: z.string(),
      hostname: z.string(),
      role: z.string(),
      availability: z.string(),
      state: z.string(),
      address: z.string(),
      leader: z.boolean(),
      engineVersion: z.string(),
      platform: z.string(),
      cpus: z.number(),
      memoryBytes: z.number(),
    }),
  ),
  nodesError: z.string().nullable(),
  queue: z.object({
    queued: z.number().int(),
    running: z.number().int(),
    jobs: z.array(
      z.object({
        id: z.uuid(),
        type: z.string(),
        state: z.enum(['queued', 'running']),
        position: z.number().int().nullable(),
        organization: z.string().nullable(),
        serviceId: z.string().nullable(),
        service: z.string().nullable(),
        attempts: z.number().int(),
        createdAt: isoDate,
        startedAt: isoDate.nullable(),
        runAt: isoDate,
        lockedBy: z.string().nullable(),
      }),
    ),
  }),
});

export function systemStatusRoutes(app: Api, ctx: AppContext): void {
  app.get('/api/system/status', {
    config: { access: access.instanceAdmin },
    schema: {
      summary: 'Server status: health, Swarm nodes, and the job queue of every organisation with positions (instance administrators)',
      tags: ['system'],
      response: { 200: statusOut },
    },
    handler: async () => serverStatus({ db: ctx.database.db, pool: ctx.database.pool, probes: ctx.probes, docker: ctx.docker }),
  });
}
