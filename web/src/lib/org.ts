// The caller's role in an organisation (from GET /api/me) and what it allows — only to hide buttons the
// API would refuse anyway (the API is the authority; see src/core/access/permissions.ts).
import { useMe } from './session';

export type Role = 'owner' | 'admin' | 'member';

export function useOrgRole(org: string | undefined): Role | undefined {
  const me = useMe();
  return me.data?.organizations.find((o) => o.name === org)?.role;
}

export const can = {
  manageMembers: (r: Role | undefined) => r === 'owner' || r === 'admin',
  writeProjects: (r: Role | undefined) => r === 'owner' || r === 'admin',
  deleteOrg: (r: Role | undefined) => r === 'owner',
  /** Mirrors canAssignRole: an admin cannot grant or take away the owner role. */
  assignRole: (actor: Role | undefined, from: Role | undefined, to: Role | undefined) =>
    actor === 'owner' || (actor === 'admin' && from !== 'owner' && to !== 'owner'),
};
