// Response and parameter schemas shared by the routes; they feed both validation and /api/openapi.json.
import { z } from 'zod';
import { resourceName } from '../core/names.ts';
import { roleSchema } from '../core/orgs/orgs.ts';
import { environmentKindSchema } from '../core/projects/projects.ts';

export const isoDate = z.codec(z.iso.datetime(), z.date(), { decode: (s) => new Date(s), encode: (d) => d.toISOString() });

export const orgParams = z.object({ org: resourceName });
export const projectParams = orgParams.extend({ project: resourceName });
export const environmentParams = projectParams.extend({ env: resourceName });
export const serviceParams = environmentParams.extend({ service: resourceName });

export const userOut = z.object({ id: z.uuid(), name: z.string(), email: z.string(), isInstanceAdmin: z.boolean(), createdAt: isoDate });
export const orgOut = z.object({ id: z.uuid(), name: z.string(), role: roleSchema, createdAt: isoDate });
export const memberOut = z.object({ userId: z.uuid(), name: z.string(), email: z.string(), role: roleSchema, since: isoDate });
export const apiKeyOut = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
  revokedAt: isoDate.nullable(),
});
export const environmentOut = z.object({ id: z.uuid(), name: z.string(), kind: environmentKindSchema, createdAt: isoDate });
export const projectOut = z.object({ id: z.uuid(), name: z.string(), description: z.string(), createdAt: isoDate, updatedAt: isoDate });
export const serviceOut = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.string(),
  spec: z.record(z.string(), z.unknown()),
  project: z.string(),
  environment: z.string(),
  currentDeploymentId: z.uuid().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export const deploymentOut = z.object({
  id: z.uuid(),
  serviceId: z.uuid(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  kind: z.enum(['deploy', 'rollback']),
  trigger: z.string(),
  reason: z.string().nullable(),
  commitSha: z.string().nullable(),
  commitMessage: z.string().nullable(),
  commitAuthor: z.string().nullable(),
  image: z.string().nullable(),
  releaseName: z.string().nullable(),
  rollbackOf: z.uuid().nullable(),
  jobId: z.uuid().nullable(),
  steps: z.record(z.string(), z.number()).describe('milliseconds per pipeline step'),
  current: z.boolean(),
  rollbackable: z.boolean().describe('succeeded and its image is still kept (BERTH_KEEP_IMAGES): POST …/rollback { to } can use it'),
  position: z.number().nullable().optional().describe('place in the queue while queued (1 = next)'),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});
export const domainOut = z.object({
  id: z.uuid().nullable(),
  host: z.string(),
  pathPrefix: z.string(),
  port: z.number(),
  automatic: z.boolean(),
  createdAt: isoDate.nullable(),
});
export const envVarOut = z.object({
  key: z.string(),
  secret: z.boolean(),
  value: z.string().nullable(),
  masked: z.string().nullable(),
  updatedAt: isoDate,
});
export const auditOut = z.object({
  id: z.number(),
  at: isoDate,
  actorUserId: z.string().nullable(),
  actorKind: z.string(),
  apiKeyId: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  status: z.number().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export const jobOut = z.object({
  id: z.uuid(),
  type: z.string(),
  state: z.string(),
  serviceId: z.string().nullable(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  position: z.number().nullable().describe('place in the queue (1 = next), null unless queued'),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});
export const serviceStateOut = z.enum(['deploying', 'running', 'degraded', 'stopped', 'failed', 'not deployed']);
export const serviceStatusSummaryOut = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.string(),
  state: serviceStateOut,
  replicas: z.object({ desired: z.number(), healthy: z.number() }),
  current: z
    .object({ id: z.uuid(), commitSha: z.string().nullable(), commitMessage: z.string().nullable(), image: z.string().nullable(), kind: z.enum(['deploy', 'rollback']), finishedAt: isoDate.nullable() })
    .nullable()
    .describe('the live deployment'),
  latest: z.object({ id: z.uuid(), status: deploymentOut.shape.status, reason: z.string().nullable(), createdAt: isoDate }).nullable().describe('the newest deployment'),
  domains: z.array(z.string()).describe('hosts routed to the service, the automatic one first'),
});
export const serviceStatusOut = z.object({
  state: serviceStateOut,
  replicas: z.object({ desired: z.number(), healthy: z.number() }),
  current: deploymentOut.nullable(),
  latest: deploymentOut.nullable(),
  tasks: z.array(z.object({ slot: z.number().nullable(), state: z.string(), health: z.string().nullable(), node: z.string(), message: z.string(), error: z.string().nullable() })),
});
export const ok = z.object({ ok: z.literal(true) });
