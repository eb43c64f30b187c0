// Projects and their environments. A new project starts with a `production` environment.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { environments, projects, type EnvironmentKind } from '../../db/schema/index.ts';
import { Conflict, NotFound } from '../errors.ts';
import { isUniqueViolation } from '../db-errors.ts';
import { resourceName, text } from '../names.ts';

export const newProjectSchema = z.object({
  name: resourceName,
  description: text(500).default(''),
});
export const updateProjectSchema = z.object({ description: text(500) });

export const environmentKindSchema = z.enum(['production', 'staging', 'development', 'custom']);
export const newEnvironmentSchema = z.object({
  name: resourceName,
  kind: environmentKindSchema.optional().describe('defaults to the name when it is production, staging or development, else custom'),
});

export interface ProjectView {
  id: string;
  name: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface EnvironmentView {
  id: string;
  name: string;
  kind: EnvironmentKind;
  createdAt: Date;
}

export const projectViewOf = (p: typeof projects.$inferSelect): ProjectView => ({
  id: p.id,
  name: p.name,
  description: p.description,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});
export const environmentViewOf = (e: typeof environments.$inferSelect): EnvironmentView => ({ id: e.id, name: e.name, kind: e.kind, createdAt: e.createdAt });

function conflictOn<T>(message: string) {
  return (err: unknown): T => {
    if (isUniqueViolation(err)) throw new Conflict(message, { cause: err });
    throw err;
  };
}

export async function listProjects(db: Db, orgId: string): Promise<ProjectView[]> {
  return (await db.select().from(projects).where(eq(projects.orgId, orgId)).orderBy(projects.name)).map(projectViewOf);
}

export async function getProject(db: Db, opts: { orgId: string; name: string }): Promise<ProjectView> {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.orgId, opts.orgId), eq(projects.name, opts.name)))
    .limit(1);
  if (!row) throw new NotFound(`project "${opts.name}" not found`);
  return projectViewOf(row);
}

export async function createProject(db: Db, opts: { orgId: string } & z.infer<typeof newProjectSchema>): Promise<ProjectView & { environments: EnvironmentView[] }> {
  return db
    .transaction(async (tx) => {
      const [p] = await tx.insert(projects).values({ orgId: opts.orgId, name: opts.name, description: opts.description }).returning();
      const [e] = await tx.insert(environments).values({ projectId: p!.id, name: 'production', kind: 'production' }).returning();
      return { ...projectViewOf(p!), environments: [environmentViewOf(e!)] };
    })
    .catch(conflictOn(`project "${opts.name}" already exists in this organisation`));
}

export async function updateProject(db: Db, opts: { orgId: string; name: string; description: string }): Promise<ProjectView> {
  const [row] = await db
    .update(projects)
    .set({ description: opts.description, updatedAt: new Date() })
    .where(and(eq(projects.orgId, opts.orgId), eq(projects.name, opts.name)))
    .returning();
  if (!row) throw new NotFound(`project "${opts.name}" not found`);
  return projectViewOf(row);
}

export async function listEnvironments(db: Db, projectId: string): Promise<EnvironmentView[]> {
  return (await db.select().from(environments).where(eq(environments.projectId, projectId)).orderBy(environments.createdAt)).map(environmentViewOf);
}

export async function getEnvironment(db: Db, opts: { projectId: string; name: string }): Promise<EnvironmentView> {
  const [row] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.projectId, opts.projectId), eq(environments.name, opts.name)))
    .limit(1);
  if (!row) throw new NotFound(`environment "${opts.name}" not found`);
  return environmentViewOf(row);
}

const STANDARD_KINDS: readonly string[] = ['production', 'staging', 'development'];

export async function createEnvironment(db: Db, opts: { projectId: string } & z.infer<typeof newEnvironmentSchema>): Promise<EnvironmentView> {
  const kind = opts.kind ?? (STANDARD_KINDS.includes(opts.name) ? (opts.name as EnvironmentKind) : 'custom');
  const [row] = await db
    .insert(environments)
    .values({ projectId: opts.projectId, name: opts.name, kind })
    .returning()
    .catch(conflictOn<(typeof environments.$inferSelect)[]>(`environment "${opts.name}" already exists in this project`));
  return environmentViewOf(row!);
}

