// Organisations, members and the audit log.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { listAudit } from '../../core/audit/audit.ts';
import { addMember, addMemberSchema, changeRole, createOrg, listMembers, listMyOrgs, newOrgSchema, removeMember, roleSchema } from '../../core/orgs/orgs.ts';
import { resourceName } from '../../core/names.ts';
import { access } from '../access.ts';
import { auditOut, memberOut, ok, orgOut, orgParams } from '../schemas.ts';
import type { Api } from '../server.ts';

export function orgRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const memberParams = orgParams.extend({ user: resourceName });

  app.get('/api/orgs', {
    config: { access: access.user },
    schema: { summary: "The caller's organisations", tags: ['organisations'], response: { 200: z.array(orgOut) } },
    handler: async (req) => listMyOrgs(db, req.caller!.user.id),
  });

  app.post('/api/orgs', {
    config: { access: access.user, audit: 'org.create' },
    schema: { summary: 'Create an organisation; the caller becomes its owner', tags: ['organisations'], body: newOrgSchema, response: { 201: orgOut } },
    handler: async (req, reply) => {
      const org = await createOrg(db, { name: req.body.name, ownerId: req.caller!.user.id });
      req.auditActor = { kind: req.caller!.kind, userId: req.caller!.user.id, orgId: org.id };
      return reply.code(201).send(org);
    },
  });

  app.get('/api/orgs/:org', {
    config: { access: access.org('org.read') },
    schema: { summary: 'One organisation', tags: ['organisations'], params: orgParams, response: { 200: orgOut.omit({ createdAt: true }) } },
    handler: async (req) => req.org!,
  });

  app.delete('/api/orgs/:org', {
    config: { access: access.org('org.delete'), audit: 'org.delete' },
    schema: {
      summary: 'Delete an organisation and everything in it, with the Docker objects, routes and certificates of its services (refused while a job of one of them is queued or running)',
      tags: ['organisations'],
      params: orgParams,
      response: { 200: ok },
    },
    handler: async (req) => {
      await ctx.teardown.organization({ orgId: req.org!.id });
      return { ok: true as const };
    },
  });

  app.get('/api/orgs/:org/members', {
    config: { access: access.org('member.read') },
    schema: { summary: 'Members and their roles', tags: ['organisations'], params: orgParams, response: { 200: z.array(memberOut) } },
    handler: async (req) => listMembers(db, req.org!.id),
  });

  app.post('/api/orgs/:org/members', {
    config: { access: access.org('member.manage'), audit: 'member.add' },
    schema: { summary: 'Add an existing user (by name or email) with a role', tags: ['organisations'], params: orgParams, body: addMemberSchema, response: { 201: memberOut } },
    handler: async (req, reply) => reply.code(201).send(await addMember(db, { orgId: req.org!.id, actorRole: req.org!.role, user: req.body.user, role: req.body.role })),
  });

  app.patch('/api/orgs/:org/members/:user', {
    config: { access: access.org('member.manage'), audit: 'member.change_role' },
    schema: { summary: "Change a member's role", tags: ['organisations'], params: memberParams, body: z.object({ role: roleSchema }), response: { 200: ok } },
    handler: async (req) => {
      await changeRole(db, { orgId: req.org!.id, actorRole: req.org!.role, userName: req.params.user, role: req.body.role });
      return { ok: true as const };
    },
  });

  app.delete('/api/orgs/:org/members/:user', {
    config: { access: access.org('member.manage'), audit: 'member.remove' },
    schema: { summary: 'Remove a member', tags: ['organisations'], params: memberParams, response: { 200: ok } },
    handler: async (req) => {
      await removeMember(db, { orgId: req.org!.id, actorRole: req.org!.role, userName: req.params.user });
      return { ok: true as const };
    },
  });

  app.get('/api/orgs/:org/audit', {
    config: { access: access.org('audit.read') },
    schema: {
      summary: 'Audit log, newest first',
      tags: ['organisations'],
      params: orgParams,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.coerce.number().int().positive().optional() }),
      response: { 200: z.array(auditOut) },
    },
    handler: async (req) => listAudit(db, { orgId: req.org!.id, limit: req.query.limit, before: req.query.before }),
  });
}
