// Who may do what. Pure data: the API's access layer (api/access.ts) is the only place that checks it.
import type { Role } from '../../db/schema/index.ts';

export const PERMISSIONS = [
  'org.read',
  'org.delete',
  'member.read',
  'member.manage',
  'audit.read',
  'project.read',
  'project.write',
  'service.read',
  'service.write',
  'service.deploy',
  'secret.reveal',
  'job.read',
  'job.cancel',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const MEMBER: readonly Permission[] = ['org.read', 'member.read', 'project.read', 'service.read', 'service.deploy', 'job.read', 'job.cancel'];
const ADMIN: readonly Permission[] = [...MEMBER, 'member.manage', 'audit.read', 'project.write', 'service.write', 'secret.reveal'];
const OWNER: readonly Permission[] = [...ADMIN, 'org.delete'];

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  member: new Set(MEMBER),
  admin: new Set(ADMIN),
  owner: new Set(OWNER),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

export const ROLES: readonly Role[] = ['owner', 'admin', 'member'];

/** An admin manages members and admins; only an owner grants, changes or removes ownership. */
export function canAssignRole(actor: Role, from: Role | undefined, to: Role | undefined): boolean {
  if (actor === 'owner') return true;
  if (actor !== 'admin') return false;
  return from !== 'owner' && to !== 'owner';
}
