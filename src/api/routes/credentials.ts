// Source credentials of a service: an SSH deploy key for git sources, registry credentials for image
// sources. Written here, stored sealed, and never returned: a read says only what is set.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { credentialsInputSchema, SourceCredentials, type CredentialsView } from '../../core/services/credentials.ts';
import { getService } from '../../core/services/services.ts';
import { access } from '../access.ts';
import { serviceParams } from '../schemas.ts';
import type { Api } from '../server.ts';
import { SVC_URL } from './deployments.ts';

const credentialsOut = z.object({
  deployKey: z.object({ set: z.boolean(), updatedAt: z.iso.datetime().nullable() }),
  registry: z.object({ server: z.string().nullable(), username: z.string().nullable(), passwordSet: z.boolean() }),
  updatedAt: z.iso.datetime().nullable(),
});

const toOut = (v: CredentialsView): z.infer<typeof credentialsOut> => ({
  deployKey: { set: v.deployKey.set, updatedAt: v.deployKey.updatedAt?.toISOString() ?? null },
  registry: v.registry,
  updatedAt: v.updatedAt?.toISOString() ?? null,
});

export function credentialRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const tags = ['services'];
  const credentials = new SourceCredentials(ctx.secrets);
  const find = (orgId: string, p: z.infer<typeof serviceParams>) => getService(db, { orgId, project: p.project, environment: p.env, name: p.service });

  app.get(`${SVC_URL}/credentials`, {
    config: { access: access.org('service.read') },
    schema: { summary: "The service's source credentials: whether a deploy key and a registry password are set (never their values)", tags, params: serviceParams, response: { 200: credentialsOut } },
    handler: async (req) => toOut(await credentials.status(db, (await find(req.org!.id, req.params)).id)),
  });

  app.put(`${SVC_URL}/credentials`, {
    config: { access: access.org('service.write'), audit: 'service.credentials.update' },
    schema: {
      summary: 'Set or clear the SSH deploy key (git sources) and registry credentials (image sources); null clears, absent keeps',
      tags,
      params: serviceParams,
      body: credentialsInputSchema,
      response: { 200: credentialsOut },
    },
    handler: async (req) => toOut(await credentials.update(db, (await find(req.org!.id, req.params)).id, req.body)),
  });
}
