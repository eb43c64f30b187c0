// The organisation's live events as server-sent events, for the dashboard: `job` (a job's state changed),
// `deployment` (a deployment of one of its services was queued, started or ended — with its queue
// position while queued) and `status` (a service's status summary after a deploy or a container start,
// death or health change). One shared fan-out per API instance (core/deployments/live-events.ts).
// The caller's membership is checked when the stream opens and every 30 s after: a member removed from
// the organisation stops receiving its events.
import type { AppContext } from '../../app/context.ts';
import { LiveEvents } from '../../core/deployments/live-events.ts';
import { findMembership } from '../../core/orgs/orgs.ts';
import { getInstanceSettings } from '../../core/system/settings.ts';
import { access } from '../access.ts';
import { orgParams } from '../schemas.ts';
import type { Api } from '../server.ts';
import { openEventStream } from '../sse.ts';

const MEMBERSHIP_RECHECK_MS = 30_000;

export function eventRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const live = new LiveEvents({
    db,
    bus: ctx.bus,
    docker: ctx.docker,
    jobs: ctx.jobs,
    baseDomain: async () => (await getInstanceSettings(db)).domain,
    log: ctx.log,
  });
  app.addHook('onClose', () => live.close());

  app.get('/api/orgs/:org/events', {
    config: { access: access.org('service.read') },
    schema: {
      summary: "Live events of the organisation's services (server-sent events: job, deployment, status; a comment every 15 s keeps the stream open)",
      tags: ['events'],
      params: orgParams,
    },
    handler: async (req, reply) => {
      const orgId = req.org!.id;
      const userId = req.caller!.user.id;
      const stream = openEventStream(req, reply);
      const unsubscribe = await live.subscribe(orgId, (e) => stream.send(e.event, e.data));
      const recheck = setInterval(() => {
        void findMembership(db, { userId, orgName: req.params.org })
          .then((m) => {
            if (m?.org.id !== orgId) stream.end();
          })
          .catch(() => undefined);
      }, MEMBERSHIP_RECHECK_MS);
      stream.send('ready', { org: req.params.org });
      // The response closing (client gone, or ended above) is the end either way.
      await Promise.race([stream.closed, new Promise((resolve) => reply.raw.once('close', resolve))]);
      clearInterval(recheck);
      unsubscribe();
    },
  });
}
