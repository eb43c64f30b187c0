// Domains of a service, and its push webhook. A domain change re-renders the routing table and pushes it
// to the proxy (whole, and only when it changed).
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { addDomain, defaultHost, listDomains, newDomainSchema, removeDomain } from '../../core/domains/domains.ts';
import { getService } from '../../core/services/services.ts';
import { getInstanceSettings } from '../../core/system/settings.ts';
import { watchPathsSchema } from '../../core/webhooks/webhooks.ts';
import { access } from '../access.ts';
import { domainOut, ok, serviceParams } from '../schemas.ts';
import { hostTlsOut, tlsStatusOut, toTlsStatus } from './ssl.ts';
import { hostTlsSettings } from '../../core/certificates/host-settings.ts';
import type { Api } from '../server.ts';
import { SVC_URL } from './deployments.ts';

/** A domain with its host's certificate (null before any) and HTTPS choices. */
const domainListOut = domainOut.extend({ tls: tlsStatusOut.nullable(), https: hostTlsOut });

export function domainRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const tags = ['domains'];
  const find = (orgId: string, p: z.infer<typeof serviceParams>) => getService(db, { orgId, project: p.project, environment: p.env, name: p.service });
  const automatic = async (s: Awaited<ReturnType<typeof find>>) => {
    const port = typeof s.spec.port === 'number' ? s.spec.port : undefined;
    const host = port ? defaultHost({ service: s.name, project: s.project, environment: s.environment, baseDomain: (await getInstanceSettings(db)).domain }) : null;
    return host && port ? { id: null, host, pathPrefix: '/', port, automatic: true, createdAt: null } : null;
  };

  app.get(`${SVC_URL}/domains`, {
    config: { access: access.org('service.read') },
    schema: { summary: "The service's domains (including the automatic one under the base domain)", tags, params: serviceParams, response: { 200: z.array(domainListOut) } },
    handler: async (req) => {
      const s = await find(req.org!.id, req.params);
      const list = await listDomains(db, { serviceId: s.id, automatic: await automatic(s) });
      const hosts = list.map((d) => d.host);
      const [tls, choices] = await Promise.all([ctx.certificates.statuses(hosts), hostTlsSettings(db, hosts)]);
      return list.map((d) => {
        const cert = tls.get(d.host);
        return { ...d, tls: cert ? toTlsStatus(cert) : null, https: choices.get(d.host)! };
      });
    },
  });

  app.post(`${SVC_URL}/domains`, {
    config: { access: access.org('service.write'), audit: 'domain.add' },
    schema: { summary: 'Route a host (+ path prefix) to the service', tags, params: serviceParams, body: newDomainSchema, response: { 201: domainOut } },
    handler: async (req, reply) => {
      const s = await find(req.org!.id, req.params);
      // One transaction: if the proxy cannot take the new table, the domain is not added either.
      const domain = await db.transaction(async (tx) => {
        const added = await addDomain(tx, { orgId: req.org!.id, serviceId: s.id, servicePort: typeof s.spec.port === 'number' ? s.spec.port : undefined, input: req.body });
        await ctx.ingress.reconcileRoutes(tx);
        return added;
      });
      // After the commit: the job reads the domain. A queueing failure leaves the domain routed over HTTP.
      await ctx.certificates.enqueue(domain.host).catch((err: unknown) => req.log.warn({ err: (err as Error).message, host: domain.host }, 'certificate not queued'));
      return reply.code(201).send(domain);
    },
  });

  app.delete(`${SVC_URL}/domains/:id`, {
    config: { access: access.org('service.write'), audit: 'domain.remove' },
    schema: { summary: 'Stop routing a domain to the service', tags, params: serviceParams.extend({ id: z.uuid() }), response: { 200: ok } },
    handler: async (req) => {
      const s = await find(req.org!.id, req.params);
      const removed = await db.transaction(async (tx) => {
        const domain = await removeDomain(tx, { serviceId: s.id, id: req.params.id });
        await ctx.ingress.reconcileRoutes(tx);
        return domain;
      });
      // After the commit: the host's certificate and HTTPS choices go when no other domain routes it.
      await ctx.certificates.hostRemoved(removed.host).catch((err: unknown) => req.log.warn({ err: (err as Error).message, host: removed.host }, 'certificate not removed; the renewal loop will'));
      return { ok: true as const };
    },
  });

  const webhookOut = z.object({ path: z.string(), secret: z.string(), watchPaths: z.array(z.string()), lastDeliveryAt: z.iso.datetime().nullable() });
  const toOut = (w: Awaited<ReturnType<typeof ctx.webhooks.ensure>>) => ({ ...w, lastDeliveryAt: w.lastDeliveryAt?.toISOString() ?? null });

  app.get(`${SVC_URL}/webhook`, {
    config: { access: access.org('service.write') },
    schema: { summary: "The service's push webhook: its secret URL path and signing secret (created on first read)", tags, params: serviceParams, response: { 200: webhookOut } },
    handler: async (req) => toOut(await ctx.webhooks.ensure(db, { serviceId: (await find(req.org!.id, req.params)).id })),
  });

  app.post(`${SVC_URL}/webhook`, {
    config: { access: access.org('service.write'), audit: 'webhook.update' },
    schema: {
      summary: 'Rotate the webhook URL and secret, or set watch paths (deploy only when a matching file changed)',
      tags,
      params: serviceParams,
      body: z.object({ rotate: z.boolean().default(false), watchPaths: watchPathsSchema.optional() }),
      response: { 200: webhookOut },
    },
    handler: async (req) =>
      toOut(await ctx.webhooks.ensure(db, { serviceId: (await find(req.org!.id, req.params)).id, rotate: req.body.rotate, ...(req.body.watchPaths ? { watchPaths: req.body.watchPaths } : {}) })),
  });
}
