// HTTPS: enable it (the ACME contact) and read every certificate's state (instance administrators), and per
// domain host of a service: HTTPS on/off, the HTTP→HTTPS redirect, HSTS, and an uploaded certificate.
// A change re-renders the route table and pushes it to every proxy instance.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { customCertificateInput, removeCustomCertificate, storeCustomCertificate } from '../../core/certificates/custom.ts';
import { hostTlsSettings, setHostTlsSettings } from '../../core/certificates/host-settings.ts';
import { listCertificates } from '../../core/certificates/certificates.ts';
import { NotFound, Unavailable } from '../../core/errors.ts';
import { defaultHost, listDomains } from '../../core/domains/domains.ts';
import { getService } from '../../core/services/services.ts';
import { getInstanceSettings, hostname, instanceSettingsSchema } from '../../core/system/settings.ts';
import { acmeDirectoryUrl } from '../../infra/acme/client.ts';
import { HSTS_MAX_AGE_LIMIT } from '../../plan/routes.ts';
import { access } from '../access.ts';
import { serviceParams } from '../schemas.ts';
import type { Api } from '../server.ts';
import { SVC_URL } from './deployments.ts';

const isoDate = z.iso.datetime();

/** A host's certificate as the API shows it: null when Berth has none for it. */
export const tlsStatusOut = z.object({
  status: z.enum(['pending', 'valid', 'renewing', 'failed']),
  source: z.enum(['acme', 'custom']),
  expiresAt: isoDate.nullable(),
  error: z.string().nullable().describe('the last failure in plain words (kept while a retry runs)'),
  nextAttemptAt: isoDate.nullable().describe('next issuance attempt or renewal (ACME)'),
});

export const hostTlsOut = z.object({
  https: z.boolean().describe('served over HTTPS once a certificate is valid'),
  redirectHttp: z.boolean().describe('plain HTTP answers 308 to https:// (only while HTTPS is served)'),
  hstsMaxAge: z.number().nullable().describe('Strict-Transport-Security max-age in seconds; null: no HSTS header'),
});

const hostTlsIn = z
  .object({
    https: z.boolean().optional(),
    redirectHttp: z.boolean().optional(),
    hstsMaxAge: z.number().int().min(0).max(HSTS_MAX_AGE_LIMIT).nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one of https, redirectHttp, hstsMaxAge');

export function toTlsStatus(s: { status: 'pending' | 'valid' | 'renewing' | 'failed'; source: 'acme' | 'custom'; expiresAt: Date | null; error: string | null; nextAttemptAt: Date | null }) {
  return { status: s.status, source: s.source, expiresAt: s.expiresAt?.toISOString() ?? null, error: s.error, nextAttemptAt: s.nextAttemptAt?.toISOString() ?? null };
}

export function sslRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const tags = ['ssl'];

  /** The service and one of its hosts (stored or automatic); 404 naming the host otherwise. */
  const serviceHost = async (orgId: string, p: z.infer<typeof serviceParams>, host: string) => {
    const s = await getService(db, { orgId, project: p.project, environment: p.env, name: p.service });
    const port = typeof s.spec.port === 'number' ? s.spec.port : undefined;
    const auto = port ? defaultHost({ service: s.name, project: s.project, environment: s.environment, baseDomain: (await getInstanceSettings(db)).domain }) : null;
    const hosts = new Set((await listDomains(db, { serviceId: s.id })).map((d) => d.host));
    if (auto) hosts.add(auto);
    if (!hosts.has(host)) throw new NotFound(`${s.name} has no domain ${host}`);
    return s;
  };
  const pushRoutes = async () => {
    try {
      await ctx.ingress.reconcileRoutes();
    } catch (err) {
      // The ingress is off or not started yet: its start renders the stored state.
      if (!(err instanceof Unavailable)) throw err;
    }
  };

  const directoryOf = async () => acmeDirectoryUrl((await getInstanceSettings(db)).acmeDirectory ?? ctx.config.BERTH_ACME_DIRECTORY);

  app.post('/api/ssl', {
    config: { access: access.instanceAdmin, audit: 'ssl.enable' },
    schema: {
      summary: 'Enable HTTPS: store the ACME contact and issue a certificate for every routed host (then for each new domain)',
      tags,
      body: z.object({ email: z.email().max(254), directory: instanceSettingsSchema.shape.acmeDirectory.optional() }),
      response: { 200: z.object({ acmeEmail: z.string(), directory: z.string(), hosts: z.array(z.string()) }) },
    },
    handler: async (req) => {
      const { hosts } = await ctx.certificates.enable(req.body.email, req.body.directory);
      return { acmeEmail: req.body.email, directory: await directoryOf(), hosts };
    },
  });

  app.get('/api/ssl', {
    config: { access: access.instanceAdmin },
    schema: {
      summary: 'HTTPS state: the ACME contact and directory, and every certificate with its status',
      tags,
      response: {
        200: z.object({
          enabled: z.boolean(),
          acmeEmail: z.string().nullable(),
          directory: z.string(),
          certificates: z.array(tlsStatusOut.extend({ host: z.string(), hosts: z.array(z.string()) })),
        }),
      },
    },
    handler: async () => {
      const { acmeEmail } = await getInstanceSettings(db);
      const certs = await listCertificates(db);
      return {
        enabled: acmeEmail !== null,
        acmeEmail,
        directory: await directoryOf(),
        certificates: certs.map((c) => ({ host: c.host, hosts: c.hosts, ...toTlsStatus(c) })),
      };
    },
  });

  const hostParams = serviceParams.extend({ host: hostname });

  app.get(`${SVC_URL}/domains/:host/tls`, {
    config: { access: access.org('service.read') },
    schema: { summary: "A host's HTTPS choices and certificate", tags, params: hostParams, response: { 200: hostTlsOut.extend({ host: z.string(), certificate: tlsStatusOut.nullable() }) } },
    handler: async (req) => {
      await serviceHost(req.org!.id, req.params, req.params.host);
      const settings = (await hostTlsSettings(db, [req.params.host])).get(req.params.host)!;
      const cert = (await ctx.certificates.statuses([req.params.host])).get(req.params.host);
      return { host: req.params.host, ...settings, certificate: cert ? toTlsStatus(cert) : null };
    },
  });

  app.patch(`${SVC_URL}/domains/:host/tls`, {
    config: { access: access.org('service.write'), audit: 'domain.tls' },
    schema: { summary: 'Turn HTTPS, the HTTP→HTTPS redirect or HSTS on or off for a host', tags, params: hostParams, body: hostTlsIn, response: { 200: hostTlsOut.extend({ host: z.string() }) } },
    handler: async (req) => {
      await serviceHost(req.org!.id, req.params, req.params.host);
      const settings = await setHostTlsSettings(db, req.params.host, req.body);
      await pushRoutes();
      return { host: req.params.host, ...settings };
    },
  });

  app.put(`${SVC_URL}/domains/:host/certificate`, {
    config: { access: access.org('service.write'), audit: 'certificate.upload' },
    schema: {
      summary: 'Serve an uploaded certificate for a host: PEM chain (leaf first) and its private key; 400 names what is wrong',
      tags,
      params: hostParams,
      body: customCertificateInput,
      response: { 200: tlsStatusOut.extend({ host: z.string(), hosts: z.array(z.string()) }) },
    },
    handler: async (req) => {
      await serviceHost(req.org!.id, req.params, req.params.host);
      const stored = await storeCustomCertificate(db, ctx.secrets, req.params.host, req.body);
      await pushRoutes();
      const status = (await ctx.certificates.statuses([req.params.host])).get(req.params.host)!;
      return { host: req.params.host, hosts: stored.names, ...toTlsStatus(status) };
    },
  });

  app.delete(`${SVC_URL}/domains/:host/certificate`, {
    config: { access: access.org('service.write'), audit: 'certificate.remove' },
    schema: { summary: "Stop serving a host's uploaded certificate (Berth issues one over ACME when HTTPS is enabled)", tags, params: hostParams, response: { 200: z.object({ ok: z.literal(true), acme: z.boolean() }) } },
    handler: async (req) => {
      await serviceHost(req.org!.id, req.params, req.params.host);
      if (!(await removeCustomCertificate(db, req.params.host))) throw new NotFound(`${req.params.host} has no uploaded certificate`);
      await pushRoutes();
      return { ok: true as const, acme: await ctx.certificates.enqueue(req.params.host) };
    },
  });
}
