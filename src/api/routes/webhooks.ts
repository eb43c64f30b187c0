// Incoming push webhooks (GitHub, GitLab, Gitea, Bitbucket, generic). Public by route, authenticated by
// the URL's secret token and the provider's signature over the raw body, checked before anything is
// read. Unsigned or mis-signed → 401 and nothing queued; a push to another ref → 202 and ignored.
import { eq } from 'drizzle-orm';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { environments, projects, services } from '../../db/schema/index.ts';
import { appSpecSchema } from '../../core/services/kinds.ts';
import { decide } from '../../core/webhooks/webhooks.ts';
import { access } from '../access.ts';
import { deploymentOut } from '../schemas.ts';
import type { Api } from '../server.ts';

export function webhookRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  // The signature covers the exact bytes: keep the body raw inside this plugin only.
  void app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    scope.post('/api/webhooks/:token', {
      config: { access: access.public, audit: 'webhook.delivery', rateLimit: { max: 120, timeWindow: 60_000 } },
      schema: {
        summary: 'Receive a push from a git host; deploys when the ref (and watch paths) match',
        tags: ['webhooks'],
        params: z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{16,100}$/, 'expected a webhook token') }),
        response: { 202: z.object({ deployed: z.boolean(), reason: z.string().optional(), deployment: deploymentOut.optional() }) },
      },
      handler: async (req, reply) => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const delivery = await ctx.webhooks.verify(db, { token: req.params.token, headers, body });
        const [row] = await db
          .select({ s: services, orgId: projects.orgId })
          .from(services)
          .innerJoin(environments, eq(environments.id, services.environmentId))
          .innerJoin(projects, eq(projects.id, environments.projectId))
          .where(eq(services.id, delivery.serviceId));
        req.auditActor = { kind: 'webhook', ...(row ? { orgId: row.orgId } : {}) };
        if (!row) return reply.code(202).send({ deployed: false, reason: 'the service no longer exists' });
        if (!delivery.isPush || !delivery.push) return reply.code(202).send({ deployed: false, reason: 'not a push event: ignored' });
        const spec = appSpecSchema.parse(row.s.spec);
        if (spec.source?.type !== 'git') return reply.code(202).send({ deployed: false, reason: 'the service is not deployed from git' });
        const decision = decide(delivery.push, { ref: spec.source.ref, watchPaths: delivery.watchPaths });
        if (!decision.deploy) return reply.code(202).send({ deployed: false, reason: decision.reason });
        const deployment = await ctx.deploys.deploy(
          { id: row.s.id, orgId: row.orgId, kind: row.s.kind, currentDeploymentId: row.s.currentDeploymentId },
          { trigger: `webhook:${delivery.provider}`, commitSha: decision.commit },
        );
        return reply.code(202).send({ deployed: true, deployment });
      },
    });
  });
}
