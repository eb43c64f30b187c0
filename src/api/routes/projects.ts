// Projects and environments of an organisation.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import {
  createEnvironment,
  createProject,
  environmentViewOf,
  getEnvironment,
  getProject,
  listEnvironments,
  listProjects,
  newEnvironmentSchema,
  newProjectSchema,
  projectViewOf,
  updateProject,
  updateProjectSchema,
} from '../../core/projects/projects.ts';
import { access } from '../access.ts';
import { environmentOut, environmentParams, orgParams, projectOut, projectParams } from '../schemas.ts';
import type { Api } from '../server.ts';

export function projectRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const tags = ['projects'];

  app.get('/api/orgs/:org/projects', {
    config: { access: access.org('project.read') },
    schema: { summary: 'Projects of the organisation', tags, params: orgParams, response: { 200: z.array(projectOut) } },
    handler: async (req) => listProjects(db, req.org!.id),
  });

  app.post('/api/orgs/:org/projects', {
    config: { access: access.org('project.write'), audit: 'project.create' },
    schema: {
      summary: 'Create a project (with a production environment)',
      tags,
      params: orgParams,
      body: newProjectSchema,
      response: { 201: projectOut.extend({ environments: z.array(environmentOut) }) },
    },
    handler: async (req, reply) => reply.code(201).send(await createProject(db, { orgId: req.org!.id, ...req.body })),
  });

  app.get('/api/orgs/:org/projects/:project', {
    config: { access: access.org('project.read') },
    schema: { summary: 'One project with its environments', tags, params: projectParams, response: { 200: projectOut.extend({ environments: z.array(environmentOut) }) } },
    handler: async (req) => {
      const project = await getProject(db, { orgId: req.org!.id, name: req.params.project });
      return { ...project, environments: await listEnvironments(db, project.id) };
    },
  });

  app.patch('/api/orgs/:org/projects/:project', {
    config: { access: access.org('project.write'), audit: 'project.update' },
    schema: { summary: 'Change a project', tags, params: projectParams, body: updateProjectSchema, response: { 200: projectOut } },
    handler: async (req) => updateProject(db, { orgId: req.org!.id, name: req.params.project, description: req.body.description }),
  });

  app.delete('/api/orgs/:org/projects/:project', {
    config: { access: access.org('project.write'), audit: 'project.delete' },
    schema: { summary: 'Delete a project and everything in it: its services (Swarm services, volumes, images), routes, certificates and network (refused while a job of one of its services is queued or running)', tags, params: projectParams, response: { 200: projectOut } },
    handler: async (req) => projectViewOf((await ctx.teardown.project({ orgId: req.org!.id, name: req.params.project })).deleted),
  });

  app.get('/api/orgs/:org/projects/:project/environments', {
    config: { access: access.org('project.read') },
    schema: { summary: 'Environments of a project', tags, params: projectParams, response: { 200: z.array(environmentOut) } },
    handler: async (req) => listEnvironments(db, (await getProject(db, { orgId: req.org!.id, name: req.params.project })).id),
  });

  app.post('/api/orgs/:org/projects/:project/environments', {
    config: { access: access.org('project.write'), audit: 'environment.create' },
    schema: { summary: 'Create an environment (production, staging, development or custom)', tags, params: projectParams, body: newEnvironmentSchema, response: { 201: environmentOut } },
    handler: async (req, reply) => {
      const project = await getProject(db, { orgId: req.org!.id, name: req.params.project });
      return reply.code(201).send(await createEnvironment(db, { projectId: project.id, ...req.body }));
    },
  });

  app.get('/api/orgs/:org/projects/:project/environments/:env', {
    config: { access: access.org('project.read') },
    schema: { summary: 'One environment', tags, params: environmentParams, response: { 200: environmentOut } },
    handler: async (req) => getEnvironment(db, { projectId: (await getProject(db, { orgId: req.org!.id, name: req.params.project })).id, name: req.params.env }),
  });

  app.delete('/api/orgs/:org/projects/:project/environments/:env', {
    config: { access: access.org('project.write'), audit: 'environment.delete' },
    schema: { summary: 'Delete an environment and its services, with their Docker objects, routes and certificates (refused while a job of one of them is queued or running)', tags, params: environmentParams, response: { 200: environmentOut } },
    handler: async (req) =>
      environmentViewOf((await ctx.teardown.environment({ projectId: (await getProject(db, { orgId: req.org!.id, name: req.params.project })).id, name: req.params.env })).deleted),
  });
}
