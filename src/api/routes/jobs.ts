// The job queue as the API shows it: list with queue positions, one job, cancel.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { NotFound } from '../../core/errors.ts';
import { access } from '../access.ts';
import { jobOut, orgParams } from '../schemas.ts';
import type { Api } from '../server.ts';

export function jobRoutes(app: Api, ctx: AppContext): void {
  const tags = ['jobs'];
  const jobParams = orgParams.extend({ id: z.uuid() });

  app.get('/api/orgs/:org/jobs', {
    config: { access: access.org('job.read') },
    schema: {
      summary: 'Jobs of the organisation, newest first, with queue positions',
      tags,
      params: orgParams,
      querystring: z.object({ state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.array(jobOut) },
    },
    handler: async (req) => ctx.jobs.list({ orgId: req.org!.id, state: req.query.state, limit: req.query.limit }),
  });

  app.get('/api/orgs/:org/jobs/:id', {
    config: { access: access.org('job.read') },
    schema: { summary: 'One job', tags, params: jobParams, response: { 200: jobOut } },
    handler: async (req) => {
      const job = await ctx.jobs.get({ orgId: req.org!.id, id: req.params.id });
      if (!job) throw new NotFound('job not found');
      return job;
    },
  });

  app.post('/api/orgs/:org/jobs/:id/cancel', {
    config: { access: access.org('job.cancel'), audit: 'job.cancel' },
    schema: { summary: 'Cancel a queued job, or ask a running one to stop', tags, params: jobParams, response: { 200: jobOut } },
    handler: async (req) => {
      const job = await ctx.jobs.cancel({ orgId: req.org!.id, id: req.params.id });
      if (!job) throw new NotFound('job not found');
      return job;
    },
  });
}
