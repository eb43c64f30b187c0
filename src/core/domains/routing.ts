// Desired routing state from the database: every stored domain plus the automatic
// `<service>-<project>.<base domain>` of each web service, each pointing at the service's upstream
// name (which Berth's DNS resolves to the live release's tasks). Read-only.
import { eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { domains, environments, projects, services } from '../../db/schema/index.ts';
import { upstreamName } from '../../plan/app-service.ts';
import type { DomainInput } from '../../plan/routes.ts';
import { getInstanceSettings } from '../system/settings.ts';
import { defaultHost } from './domains.ts';

export async function desiredDomains(db: Db): Promise<DomainInput[]> {
  const stored = await db
    .select({ host: domains.host, pathPrefix: domains.pathPrefix, port: domains.port, serviceId: domains.serviceId })
    .from(domains)
    .orderBy(domains.host, domains.pathPrefix);
  const out: DomainInput[] = stored.map((d) => ({ host: d.host, pathPrefix: d.pathPrefix, upstream: { name: upstreamName(d.serviceId), port: d.port } }));
  const { domain: base } = await getInstanceSettings(db);
  if (!base) return out;
  const taken = new Set(stored.map((d) => `${d.host}${d.pathPrefix}`));
  const web = await db
    .select({ id: services.id, name: services.name, spec: services.spec, project: projects.name, environment: environments.name })
    .from(services)
    .innerJoin(environments, eq(environments.id, services.environmentId))
    .innerJoin(projects, eq(projects.id, environments.projectId))
    .where(isNotNull(services.spec));
  for (const s of web) {
    const port = typeof s.spec.port === 'number' ? s.spec.port : undefined;
    const host = port ? defaultHost({ service: s.name, project: s.project, environment: s.environment, baseDomain: base }) : null;
    if (host && port && !taken.has(`${host}/`)) out.push({ host, pathPrefix: '/', upstream: { name: upstreamName(s.id), port } });
  }
  return out;
}
