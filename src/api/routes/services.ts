// Services of an environment, their environment variables, and the organisation-wide service list.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { envKey, envVarsSchema, listEnvVars } from '../../core/services/env-vars.ts';
import { createService, getService, listServices, newServiceSchema, updateService, updateServiceSchema } from '../../core/services/services.ts';
import { getEnvironment, getProject } from '../../core/projects/projects.ts';
import { resourceName } from '../../core/names.ts';
import { servicesStatus } from '../../core/deployments/status.ts';
import { getInstanceSettings } from '../../core/system/settings.ts';
import { access } from '../access.ts';
import { envVarOut, environmentParams, ok, orgParams, serviceOut, serviceParams, serviceStatusSummaryOut } from '../schemas.ts';
import type { Api } from '../server.ts';

export function serviceRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const tags = ['services'];
  const svcUrl = '/api/orgs/:org/projects/:project/environments/:env/services/:service';
  const find = (orgId: string, p: z.infer<typeof serviceParams>) =>
    getService(db, { orgId, project: p.project, environment: p.env, name: p.service });

  app.get('/api/orgs/:org/services', {
    config: { access: access.org('service.read') },
    schema: {
      summary: 'All services of the organisation, optionally filtered',
      tags,
      params: orgParams,
      querystring: z.object({ project: resourceName.optional(), environment: resourceName.optional() }),
      response: { 200: z.array(serviceOut) },
    },
    handler: async (req) => listServices(db, { orgId: req.org!.id, ...req.query }),
  });

  app.get('/api/orgs/:org/projects/:project/environments/:env/services', {
    config: { access: access.org('service.read') },
    schema: { summary: 'Services of an environment', tags, params: environmentParams, response: { 200: z.array(serviceOut) } },
    handler: async (req) => {
      const project = await getProject(db, { orgId: req.org!.id, name: req.params.project });
      await getEnvironment(db, { projectId: project.id, name: req.params.env });
      return listServices(db, { orgId: req.org!.id, project: req.params.project, environment: req.params.env });
    },
  });

  app.get('/api/orgs/:org/projects/:project/environments/:env/status', {
    config: { access: access.org('service.read') },
    schema: {
      summary: 'Live status of every service of the environment (state, replicas healthy/desired, live version, domains) in one request',
      tags,
      params: environmentParams,
      response: { 200: z.array(serviceStatusSummaryOut) },
    },
    handler: async (req) => {
      const project = await getProject(db, { orgId: req.org!.id, name: req.params.project });
      await getEnvironment(db, { projectId: project.id, name: req.params.env });
      const list = await listServices(db, { orgId: req.org!.id, project: req.params.project, environment: req.params.env });
      return servicesStatus(db, { services: list, baseDomain: (await getInstanceSettings(db)).domain, runningTasks: () => ctx.docker.runningTasksByService() });
    },
  });

  app.post('/api/orgs/:org/projects/:project/environments/:env/services', {
    config: { access: access.org('service.write'), audit: 'service.create' },
    schema: { summary: 'Create a service of a kind, with its spec and environment variables', tags, params: environmentParams, body: newServiceSchema, response: { 201: serviceOut } },
    handler: async (req, reply) => {
      const project = await getProject(db, { orgId: req.org!.id, name: req.params.project });
      const env = await getEnvironment(db, { projectId: project.id, name: req.params.env });
      const service = await createService(
        db,
        { environmentId: env.id, project: project.name, environment: env.name, ...req.body, allowBindMounts: req.caller!.user.isInstanceAdmin },
        (tx, id, vars) => ctx.envVars.replace(tx, id, vars),
      );
      return reply.code(201).send(service);
    },
  });

  app.get(svcUrl, {
    config: { access: access.org('service.read') },
    schema: { summary: 'One service', tags, params: serviceParams, response: { 200: serviceOut } },
    handler: async (req) => find(req.org!.id, req.params),
  });

  app.patch(svcUrl, {
    config: { access: access.org('service.write'), audit: 'service.update' },
    schema: { summary: "Change a service's spec", tags, params: serviceParams, body: updateServiceSchema, response: { 200: serviceOut } },
    handler: async (req) => updateService(db, await find(req.org!.id, req.params), req.body.spec, { allowBindMounts: req.caller!.user.isInstanceAdmin }),
  });

  app.delete(svcUrl, {
    config: { access: access.org('service.write'), audit: 'service.delete' },
    schema: {
      summary: 'Delete a service of any kind: its routes, Swarm services, volumes, images, certificates and rows (refused while one of its jobs is queued or running)',
      tags,
      params: serviceParams,
      response: { 200: ok },
    },
    handler: async (req) => {
      await ctx.teardown.service({ serviceId: (await find(req.org!.id, req.params)).id });
      return { ok: true as const };
    },
  });

  app.get(`${svcUrl}/env`, {
    config: { access: access.org('service.read') },
    schema: { summary: 'Environment variables (secret values masked)', tags, params: serviceParams, response: { 200: z.array(envVarOut) } },
    handler: async (req) => listEnvVars(db, (await find(req.org!.id, req.params)).id),
  });

  app.put(`${svcUrl}/env`, {
    config: { access: access.org('service.write'), audit: 'service.env.replace' },
    schema: {
      summary: 'Replace all environment variables (a secret sent with value null keeps its current value)',
      tags,
      params: serviceParams,
      body: envVarsSchema,
      response: { 200: z.array(envVarOut) },
    },
    handler: async (req) => {
      const service = await find(req.org!.id, req.params);
      await ctx.envVars.replace(db, service.id, req.body.vars);
      return listEnvVars(db, service.id);
    },
  });

  app.post(`${svcUrl}/env/:key/reveal`, {
    config: { access: access.org('secret.reveal'), audit: 'service.env.reveal' },
    schema: { summary: "Reveal one variable's value (audited)", tags, params: serviceParams.extend({ key: envKey }), response: { 200: z.object({ key: z.string(), value: z.string() }) } },
    handler: async (req) => ({ key: req.params.key, value: await ctx.envVars.reveal(db, (await find(req.org!.id, req.params)).id, req.params.key) }),
  });
}
