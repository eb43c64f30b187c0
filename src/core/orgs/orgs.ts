// Organisations and their members. Every project belongs to exactly one organisation; a user sees an
// organisation only through a membership (owner, admin or member).
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.ts';
import { memberships, organizations, users, type Role } from '../../db/schema/index.ts';
import { canAssignRole } from '../access/permissions.ts';
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.ts';
import { isUniqueViolation } from '../db-errors.ts';
import { resourceName } from '../names.ts';
import { findUser } from '../identity/users.ts';

export const roleSchema = z.enum(['owner', 'admin', 'member']);

export interface OrgView {
  id: string;
  name: string;
  role: Role;
  createdAt: Date;
}

export interface Membership {
  org: { id: string; name: string };
  role: Role;
}

/** The caller's membership of an organisation named `name`, or undefined (no such org, or not a member). */
export async function findMembership(db: Db, opts: { userId: string; orgName: string }): Promise<Membership | undefined> {
  const [row] = await db
    .select({ id: organizations.id, name: organizations.name, role: memberships.role })
    .from(organizations)
    .innerJoin(memberships, and(eq(memberships.orgId, organizations.id), eq(memberships.userId, opts.userId)))
    .where(eq(organizations.name, opts.orgName))
    .limit(1);
  return row && { org: { id: row.id, name: row.name }, role: row.role };
}

export async function listMyOrgs(db: Db, userId: string): Promise<OrgView[]> {
  return db
    .select({ id: organizations.id, name: organizations.name, role: memberships.role, createdAt: organizations.createdAt })
    .from(organizations)
    .innerJoin(memberships, eq(memberships.orgId, organizations.id))
    .where(eq(memberships.userId, userId))
    .orderBy(organizations.name);
}

export const newOrgSchema = z.object({ name: resourceName });

export async function createOrg(db: Db, opts: { name: string; ownerId: string }): Promise<OrgView> {
  try {
    return await db.transaction(async (tx) => {
      const [org] = await tx.insert(organizations).values({ name: opts.name }).returning();
      await tx.insert(memberships).values({ orgId: org!.id, userId: opts.ownerId, role: 'owner' });
      return { id: org!.id, name: org!.name, role: 'owner' as const, createdAt: org!.createdAt };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`organisation "${opts.name}" already exists`, { cause: err });
    throw err;
  }
}

export interface MemberView {
  userId: string;
  name: string;
  email: string;
  role: Role;
  since: Date;
}

export async function listMembers(db: Db, orgId: string): Promise<MemberView[]> {
  return db
    .select({ userId: users.id, name: users.name, email: users.email, role: memberships.role, since: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(users.name);
}

export const addMemberSchema = z.object({ user: z.string().min(1).max(254), role: roleSchema.default('member') });

export async function addMember(db: Db, opts: { orgId: string; actorRole: Role; user: string; role: Role }): Promise<MemberView> {
  if (!canAssignRole(opts.actorRole, undefined, opts.role)) throw new Forbidden(`an ${opts.actorRole} cannot grant the ${opts.role} role`);
  const user = await findUser(db, opts.user);
  if (!user) throw new Invalid([{ path: 'body/user', message: `no user named "${opts.user}"` }]);
  try {
    const [m] = await db.insert(memberships).values({ orgId: opts.orgId, userId: user.id, role: opts.role }).returning();
    return { userId: user.id, name: user.name, email: user.email, role: m!.role, since: m!.createdAt };
  } catch (err) {
    if (isUniqueViolation(err)) throw new Conflict(`${user.name} is already a member`, { cause: err });
    throw err;
  }
}

async function memberRole(db: Db, orgId: string, userName: string): Promise<{ userId: string; role: Role }> {
  const [row] = await db
    .select({ userId: users.id, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), eq(users.name, userName)))
    .limit(1);
  if (!row) throw new NotFound(`${userName} is not a member of this organisation`);
  return row;
}

async function ownerCount(db: Db, orgId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, 'owner')));
  return row?.n ?? 0;
}

export async function changeRole(db: Db, opts: { orgId: string; actorRole: Role; userName: string; role: Role }): Promise<void> {
  const current = await memberRole(db, opts.orgId, opts.userName);
  if (!canAssignRole(opts.actorRole, current.role, opts.role)) throw new Forbidden(`an ${opts.actorRole} cannot change this role`);
  if (current.role === 'owner' && opts.role !== 'owner' && (await ownerCount(db, opts.orgId)) <= 1) {
    throw new Conflict('an organisation keeps at least one owner');
  }
  await db.update(memberships).set({ role: opts.role }).where(and(eq(memberships.orgId, opts.orgId), eq(memberships.userId, current.userId)));
}

export async function removeMember(db: Db, opts: { orgId: string; actorRole: Role; userName: string }): Promise<void> {
  const current = await memberRole(db, opts.orgId, opts.userName);
  if (!canAssignRole(opts.actorRole, current.role, undefined)) throw new Forbidden(`an ${opts.actorRole} cannot remove an ${current.role}`);
  if (current.role === 'owner' && (await ownerCount(db, opts.orgId)) <= 1) throw new Conflict('an organisation keeps at least one owner');
  await db.delete(memberships).where(and(eq(memberships.orgId, opts.orgId), eq(memberships.userId, current.userId)));
}
