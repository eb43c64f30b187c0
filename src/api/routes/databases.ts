// Database services of an environment: create (generated credentials, job-backed), list, show, reveal
// credentials (audited), start/stop/restart, change version/resources/port, delete. Thin: the use-cases
// are in core/databases. Databases are not zero-downtime (stop-first): every response says so in `warnings`.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { getEnvironment, getProject } from '../../core/projects/projects.ts';
import { newDatabaseSchema, updateDatabaseSchema } from '../../core/databases/spec.ts';
import { resourceName } from '../../core/names.ts';
import { access } from '../access.ts';
import { environmentParams } from '../schemas.ts';
import { openEventStream } from '../sse.ts';
import type { Api } from '../server.ts';

const databaseParams = environmentParams.extend({ database: resourceName });

export const databaseOut = z.object({
  id: z.string(),
  name: z.string(),
  project: z.string(),
  environment: z.string(),
  engine: z.string(),
  version: z.string(),
  resources: z.object({ cpus: z.number().optional(), memoryMb: z.number().optional() }),
  externalPort: z.number().nullable(),
  stopGracePeriodSeconds: z.number(),
  desiredState: z.enum(['running', 'stopped']),
  status: z.enum(['creating', 'updating', 'running', 'stopped', 'failed', 'deleting']).describe('what the last database job achieved; see lastJobId for its log'),
  lastError: z.string().nullable(),
  lastJobId: z.string().nullable(),
  internal: z.object({ host: z.string(), port: z.number(), alias: z.string(), url: z.string().describe('password masked; reveal it with POST …/credentials') }),
  external: z.object({ port: z.number(), url: z.string() }).nullable(),
  warnings: z.array(z.string()),
  replicas: z.object({ running: z.number(), desired: z.number() }).nullable().optional().describe('live from Swarm (one database only): healthy tasks / wanted'),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const credentialsOut = z.object({
  user: z.string(),
  password: z.string(),
  database: z.string(),
  rootPassword: z.string().optional(),
  internalUrl: z.string(),
  externalUrl: z.string().nullable(),
});

export function databaseRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const tags = ['databases'];
  const base = '/api/orgs/:org/projects/:project/environments/:env/databases';
  const one = `${base}/:database`;
  const scopeOf = (orgId: string, p: z.infer<typeof databaseParams>) => ({ orgId, project: p.project, environment: p.env, name: p.database });

  app.get(base, {
    config: { access: access.org('service.read') },
    schema: { summary: 'Database services of an environment', tags, params: environmentParams, response: { 200: z.array(databaseOut) } },
    handler: async (req) => {
      const project = await getProject(db, { orgId: req.org!.id, name: req.params.project });
      await getEnvironment(db, { projectId: project.id, name: req.params.env });
      return ctx.databases.list({ orgId: req.org!.id, project: req.params.project, environment: req.params.env });
    },
  });

  app.post(base, {
    config: { access: access.org('service.write'), audit: 'database.create' },
    schema: {
      summary: 'Create a database service (PostgreSQL, MySQL, MariaDB, MongoDB, Redis) with generated credentials; a job starts it',
      description: 'On the project network only. `externalPort` publishes it on the node (host mode) and adds a warning. Not zero-downtime: changes stop the server before starting the new one.',
      tags,
      params: environmentParams,
      body: newDatabaseSchema,
      response: { 202: databaseOut },
    },
    handler: async (req, reply) => {
      const project = await getProject(db, { orgId: req.org!.id, name: req.params.project });
      const env = await getEnvironment(db, { projectId: project.id, name: req.params.env });
      const view = await ctx.databases.create({ environmentId: env.id, scope: { orgId: req.org!.id, project: project.name, environment: env.name }, input: req.body });
      return reply.code(202).send(view);
    },
  });

  app.get(one, {
    config: { access: access.org('service.read') },
    schema: { summary: 'One database service', tags, params: databaseParams, response: { 200: databaseOut } },
    handler: async (req) => {
      const view = await ctx.databases.get(scopeOf(req.org!.id, req.params));
      return { ...view, replicas: await ctx.databaseRuntime.replicas(view.id, view.desiredState) };
    },
  });

  app.post(`${one}/credentials`, {
    config: { access: access.org('secret.reveal'), audit: 'database.credentials.reveal' },
    schema: { summary: 'Reveal the credentials and connection strings (audited)', tags, params: databaseParams, response: { 200: credentialsOut } },
    handler: async (req) => ctx.databases.reveal(scopeOf(req.org!.id, req.params)),
  });

  app.patch(one, {
    config: { access: access.org('service.write'), audit: 'database.update' },
    schema: {
      summary: 'Change version, resources, external port or grace period (stop-first; a version change takes a safety backup first when backups are set up)',
      tags,
      params: databaseParams,
      body: updateDatabaseSchema,
      response: { 202: databaseOut },
    },
    handler: async (req, reply) => reply.code(202).send(await ctx.databases.update(scopeOf(req.org!.id, req.params), req.body)),
  });

  for (const [action, summary] of [
    ['start', 'Start a stopped database'],
    ['stop', 'Stop the database (its data stays)'],
    ['restart', 'Restart the database (stop, then start)'],
  ] as const) {
    app.post(`${one}/${action}`, {
      config: { access: access.org('service.deploy'), audit: `database.${action}` },
      schema: { summary, tags, params: databaseParams, response: { 202: databaseOut } },
      handler: async (req, reply) => {
        const scope = scopeOf(req.org!.id, req.params);
        const view = action === 'restart' ? await ctx.databases.restart(scope) : await ctx.databases.setDesiredState(scope, action === 'start' ? 'running' : 'stopped');
        return reply.code(202).send(view);
      },
    });
  }

  app.get(`${one}/logs`, {
    config: { access: access.org('service.read') },
    schema: {
      summary: "The database server's output (server-sent events `line`, then `end`; follow keeps the stream open)",
      tags,
      params: databaseParams,
      querystring: z.object({
        follow: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
        tail: z.coerce.number().int().min(0).max(10_000).default(200),
      }),
    },
    handler: async (req, reply) => {
      const view = await ctx.databases.get(scopeOf(req.org!.id, req.params));
      if ((await ctx.databaseRuntime.replicas(view.id, view.desiredState)) === null) {
        return reply.code(409).send({ error: 'conflict', message: `the database has no server to read from yet (status: ${view.status})` });
      }
      const stream = openEventStream(req, reply);
      const abort = new AbortController();
      void stream.closed.then(() => abort.abort());
      try {
        for await (const l of ctx.docker.serviceLogs(view.internal.host, { follow: req.query.follow, tail: req.query.tail, signal: abort.signal })) {
          stream.send('line', { stream: l.stream, at: l.timestamp, line: l.line });
        }
        stream.send('end', {});
      } catch (err) {
        if (!abort.signal.aborted) stream.send('error', { message: (err as Error).message });
      }
      stream.end();
    },
  });

  app.delete(one, {
    config: { access: access.org('service.write'), audit: 'database.delete' },
    schema: { summary: 'Delete the database: its service, its volume (all data) and its rows, by a job', tags, params: databaseParams, response: { 202: databaseOut } },
    handler: async (req, reply) => reply.code(202).send(await ctx.databases.delete(scopeOf(req.org!.id, req.params))),
  });
}
