// Services: a row with a `kind` and a `spec` validated by that kind's schema, inside an environment.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { environments, projects, services } from '../../db/schema/index.ts';
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.ts';
import { isUniqueViolation } from '../db-errors.ts';
import { resourceName } from '../names.ts';
import { SERVICE_KINDS, serviceKindSchema, type ServiceKind } from './kinds.ts';
import { envVarInputSchema, type EnvVarInput } from './env-vars.ts';

export const newServiceSchema = z.object({
  name: resourceName,
  kind: serviceKindSchema,
  spec: z.record(z.string(), z.unknown()).default({}).describe("validated by the kind's spec schema"),
  env: z.array(envVarInputSchema).max(500).default([]),
});
export const updateServiceSchema = z.object({
  spec: z.record(z.string(), z.unknown()).describe('top-level keys replace those of the current spec; the result is validated'),
});

export interface ServiceView {
  id: string;
  name: string;
  kind: string;
  spec: Record<string, unknown>;
  project: string;
  environment: string;
  /** The live deployment, if any. */
  currentDeploymentId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Validates a spec for its kind; issues are reported under `body/spec/...`. */
export function validateSpec(kind: ServiceKind, spec: unknown): Record<string, unknown> {
  const result = SERVICE_KINDS[kind].spec.safeParse(spec);
  if (!result.success) {
    throw new Invalid(result.error.issues.map((i) => ({ path: ['body', 'spec', ...i.path.map(String)].join('/'), message: i.message })));
  }
  return result.data as Record<string, unknown>;
}

interface Scope {
  orgId: string;
  project: string;
  environment: string;
}

const base = (db: Db) =>
  db
    .select({ s: services, project: projects.name, environment: environments.name })
    .from(services)
    .innerJoin(environments, eq(environments.id, services.environmentId))
    .innerJoin(projects, eq(projects.id, environments.projectId));

const view = (r: { s: typeof services.$inferSelect; project: string; environment: string }): ServiceView => ({
  id: r.s.id,
  name: r.s.name,
  kind: r.s.kind,
  spec: r.s.spec,
  project: r.project,
  environment: r.environment,
  currentDeploymentId: r.s.currentDeploymentId,
  createdAt: r.s.createdAt,
  updatedAt: r.s.updatedAt,
});

export async function listServices(db: Db, opts: { orgId: string; project?: string; environment?: string }): Promise<ServiceView[]> {
  const rows = await base(db)
    .where(
      and(
        eq(projects.orgId, opts.orgId),
        opts.project ? eq(projects.name, opts.project) : undefined,
        opts.environment ? eq(environments.name, opts.environment) : undefined,
      ),
    )
    .orderBy(projects.name, environments.name, services.name);
  return rows.map(view);
}

export async function getService(db: Db, opts: Scope & { name: string }): Promise<ServiceView> {
  const [row] = await base(db)
    .where(and(eq(projects.orgId, opts.orgId), eq(projects.name, opts.project), eq(environments.name, opts.environment), eq(services.name, opts.name)))
    .limit(1);
  if (!row) throw new NotFound(`service "${opts.name}" not found`);
  return view(row);
}

/** Host bind mounts can give root on a node: only an instance administrator may add or change them. */
function guardBindMounts(before: Record<string, unknown> | undefined, after: Record<string, unknown>, allowed: boolean): void {
  const mounts = (s: Record<string, unknown> | undefined) => JSON.stringify(s?.bindMounts ?? []);
  if (!allowed && mounts(after) !== '[]' && mounts(after) !== mounts(before)) {
    throw new Forbidden('body/spec/bindMounts: only an instance administrator can mount host paths');
  }
}

export async function createService(
  db: Db,
  opts: { environmentId: string; project: string; environment: string; name: string; kind: ServiceKind; spec: unknown; env: EnvVarInput[]; allowBindMounts: boolean },
  writeEnv: (tx: Db, serviceId: string, vars: EnvVarInput[]) => Promise<void>,
): Promise<ServiceView> {
  const spec = validateSpec(opts.kind, opts.spec);
  guardBindMounts(undefined, spec, opts.allowBindMounts);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.insert(services).values({ environmentId: opts.environmentId, name: opts.name, kind: opts.kind, spec }).returning();
      if (opts.env.length) await writeEnv(tx, row!.id, opts.env);
      return view({ s: row!, project: opts.project, environment: opts.environment });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`service "${opts.name}" already exists in this environment`, { cause: err });
    throw err;
  }
}

export async function updateService(db: Db, current: ServiceView, patch: Record<string, unknown>, opts: { allowBindMounts: boolean }): Promise<ServiceView> {
  const spec = validateSpec(current.kind as ServiceKind, { ...current.spec, ...patch });
  guardBindMounts(current.spec, spec, opts.allowBindMounts);
  const [row] = await db.update(services).set({ spec, updatedAt: new Date() }).where(eq(services.id, current.id)).returning();
  if (!row) throw new NotFound(`service "${current.name}" not found`);
  return view({ s: row, project: current.project, environment: current.environment });
}

