// DNS-01 providers (RFC 2136 + TSIG, Cloudflare, Route 53) for the installation (instance administrators)
// and per organisation, and the base domain's wildcard certificate issued through them. Credentials are
// written here, stored sealed and never returned.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { checkWildcardPrerequisites, wildcardHost } from '../../core/certificates/wildcard.ts';
import { addDnsProvider, dnsProviderInputSchema, listDnsProviders, removeDnsProvider, type DnsProviderView } from '../../core/dns-providers/dns-providers.ts';
import { access } from '../access.ts';
import { ok, orgParams } from '../schemas.ts';
import type { Api } from '../server.ts';

const dnsProviderOut = z.object({
  id: z.uuid(),
  name: z.string(),
  type: z.enum(['rfc2136', 'cloudflare', 'route53']),
  zone: z.string(),
  settings: z.record(z.string(), z.union([z.string(), z.number()])).describe('non-secret settings; secrets are never returned'),
  createdAt: z.iso.datetime(),
});

const toOut = (v: DnsProviderView): z.infer<typeof dnsProviderOut> => ({ ...v, createdAt: v.createdAt.toISOString() });

export function dnsProviderRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const tags = ['dns-providers'];
  const idParams = z.object({ id: z.uuid() });

  app.get('/api/dns-providers', {
    config: { access: access.instanceAdmin },
    schema: { summary: "The installation's DNS-01 providers (used for the base domain's wildcard certificate)", tags, response: { 200: z.array(dnsProviderOut) } },
    handler: async () => (await listDnsProviders(db, null)).map(toOut),
  });

  app.post('/api/dns-providers', {
    config: { access: access.instanceAdmin, audit: 'dns-provider.add' },
    schema: {
      summary: 'Add a DNS-01 provider for the installation: rfc2136 (server, keyName, keySecret), cloudflare (apiToken) or route53 (accessKeyId, secretAccessKey)',
      tags,
      body: dnsProviderInputSchema,
      response: { 201: dnsProviderOut },
    },
    handler: async (req, reply) => reply.code(201).send(toOut(await addDnsProvider(db, ctx.secrets, { orgId: null, input: req.body }))),
  });

  app.delete('/api/dns-providers/:id', {
    config: { access: access.instanceAdmin, audit: 'dns-provider.remove' },
    schema: { summary: 'Remove an installation DNS-01 provider', tags, params: idParams, response: { 200: ok } },
    handler: async (req) => {
      await removeDnsProvider(db, { orgId: null, id: req.params.id });
      return { ok: true as const };
    },
  });

  app.get('/api/orgs/:org/dns-providers', {
    config: { access: access.org('project.read') },
    schema: { summary: "The organisation's DNS-01 providers", tags, params: orgParams, response: { 200: z.array(dnsProviderOut) } },
    handler: async (req) => (await listDnsProviders(db, req.org!.id)).map(toOut),
  });

  app.post('/api/orgs/:org/dns-providers', {
    config: { access: access.org('project.write'), audit: 'dns-provider.add' },
    schema: { summary: 'Add a DNS-01 provider for the organisation', tags, params: orgParams, body: dnsProviderInputSchema, response: { 201: dnsProviderOut } },
    handler: async (req, reply) => reply.code(201).send(toOut(await addDnsProvider(db, ctx.secrets, { orgId: req.org!.id, input: req.body }))),
  });

  app.delete('/api/orgs/:org/dns-providers/:id', {
    config: { access: access.org('project.write'), audit: 'dns-provider.remove' },
    schema: { summary: "Remove one of the organisation's DNS-01 providers", tags, params: orgParams.extend(idParams.shape), response: { 200: ok } },
    handler: async (req) => {
      await removeDnsProvider(db, { orgId: req.org!.id, id: req.params.id });
      return { ok: true as const };
    },
  });

  app.post('/api/ssl/wildcard', {
    config: { access: access.instanceAdmin, audit: 'ssl.wildcard' },
    schema: {
      summary: "Issue the base domain's wildcard certificate (*.<base> and <base>) over DNS-01 through the installation DNS provider covering it; renewed like the others",
      tags: ['ssl'],
      response: { 202: z.object({ host: z.string(), hosts: z.array(z.string()), dnsProvider: z.string(), queued: z.boolean() }) },
    },
    handler: async (_req, reply) => {
      const { base, provider } = await checkWildcardPrerequisites(db, ctx.secrets);
      const host = wildcardHost(base);
      const queued = await ctx.certificates.enqueue(host);
      return reply.code(202).send({ host, hosts: [host, base], dnsProvider: provider, queued });
    },
  });
}
