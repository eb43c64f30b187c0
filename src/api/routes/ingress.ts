// The routing table for a Traefik v3 proxy: Traefik's HTTP provider polls this URL (with an API key in
// its `headers`) and gets the same table Berth pushes to Caddy, as Traefik dynamic configuration.
import type { AppContext } from '../../app/context.ts';
import { desiredDomains } from '../../core/domains/routing.ts';
import { planRoutes } from '../../plan/routes.ts';
import { traefikHttpProviderResponse } from '../../plan/traefik.ts';
import { access } from '../access.ts';
import type { Api } from '../server.ts';

export function ingressRoutes(app: Api, ctx: AppContext): void {
  app.get('/api/ingress/traefik', {
    config: { access: access.instanceAdmin },
    schema: { summary: "The routing table as Traefik v3 dynamic configuration (for Traefik's HTTP provider)", tags: ['ingress'] },
    handler: async (_req, reply) => {
      const { contentType, body } = traefikHttpProviderResponse(planRoutes({ domains: await desiredDomains(ctx.database.db) }));
      return reply.type(contentType).send(body);
    },
  });
}
