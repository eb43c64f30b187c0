// Deploys of a service: start one, list and inspect them, stream a deployment's log live (SSE), cancel,
// roll back; the service's live status and runtime logs from Docker.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../../app/context.ts';
import { getDeployment, listDeployments, syncDeploymentsWithJobs } from '../../core/deployments/deployments.ts';
import { assertArchiveSource } from '../../core/deployments/deploys.ts';
import { currentAndLatest, desiredReplicas, healthyCount, serviceState } from '../../core/deployments/status.ts';
import { BerthError, Conflict, Invalid } from '../../core/errors.ts';
import { getService, updateService } from '../../core/services/services.ts';
import { JOB_STATE_TOPIC, jobLogTopic, readJobLogs, type JobLogEvent, type JobStateEvent } from '../../jobs/index.ts';
import { access } from '../access.ts';
import { deploymentOut, serviceParams, serviceStatusOut } from '../schemas.ts';
import { openEventStream } from '../sse.ts';
import type { Api } from '../server.ts';

export const SVC_URL = '/api/orgs/:org/projects/:project/environments/:env/services/:service';

export const ARCHIVE_CONTENT_TYPES = ['application/gzip', 'application/x-gzip', 'application/x-tar', 'application/octet-stream'];

export class UploadTooLarge extends BerthError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

/** Passes bytes through and fails with UploadTooLarge once more than `maxBytes` went by. */
function sizeCap(maxBytes: number, tooLarge: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(tooLarge());
      else callback(null, chunk);
    },
  });
}

export function deploymentRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const tags = ['deployments'];
  const find = async (req: { org?: { id: string }; params: z.infer<typeof serviceParams> }) => {
    const s = await getService(db, { orgId: req.org!.id, project: req.params.project, environment: req.params.env, name: req.params.service });
    return { ...s, orgId: req.org!.id };
  };
  const deploymentParams = serviceParams.extend({ id: z.uuid() });

  app.post(`${SVC_URL}/deployments`, {
    config: { access: access.org('service.deploy'), audit: 'deployment.create' },
    schema: { summary: 'Deploy the service (queued; follow its log to watch it)', tags, params: serviceParams, response: { 202: deploymentOut } },
    handler: async (req, reply) => reply.code(202).send(await ctx.deploys.deploy(await find(req), { trigger: `manual:${req.caller!.user.name}` })),
  });

  // The upload is the raw request stream, written to disk as it arrives (never buffered whole): the
  // body stays a stream inside this plugin only; the size cap is counted here, not by a body limit.
  void app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(ARCHIVE_CONTENT_TYPES, (_req, payload, done) => done(null, payload));
    scope.post(`${SVC_URL}/archive`, {
      config: { access: access.org('service.deploy'), audit: 'deployment.upload' },
      schema: {
        summary: `Deploy an uploaded source archive (.tar.gz or .tar as the raw body; content-type ${ARCHIVE_CONTENT_TYPES.join(', ')}) to a service whose source is "archive"`,
        tags,
        params: serviceParams,
        response: { 202: deploymentOut },
      },
      handler: async (req, reply) => {
        const service = await find(req);
        assertArchiveSource(service.spec);
        const maxMb = ctx.config.BERTH_MAX_UPLOAD_MB;
        const maxBytes = maxMb * 1024 * 1024;
        const tooLarge = () => new UploadTooLarge(`the archive is larger than the upload limit of ${maxMb} MB (BERTH_MAX_UPLOAD_MB)`);
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
        const body = req.body as Readable | undefined;
        if (!body || typeof body.pipe !== 'function') throw new Invalid('expected the archive as the request body');
        const id = randomUUID();
        const dir = join(ctx.config.BERTH_DATA_DIR, 'archives', service.id);
        const file = join(dir, `${id}.tar.gz`);
        await mkdir(dir, { recursive: true, mode: 0o700 });
        // The request is piped by hand (not destroyed with the pipeline): on 413 the rest is drained, so
        // the client reads the answer instead of a reset connection.
        const cap = sizeCap(maxBytes, tooLarge);
        const forwardError = (err: Error) => cap.destroy(err);
        body.once('error', forwardError);
        body.pipe(cap);
        try {
          try {
            await pipeline(cap, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
          } catch (err) {
            body.unpipe(cap);
            body.resume();
            if (err instanceof UploadTooLarge) void reply.header('connection', 'close');
            throw err;
          } finally {
            body.off('error', forwardError);
          }
          const deployment = await ctx.deploys.deployArchive(service, { id, file, trigger: `upload:${req.caller!.user.name}` });
          return await reply.code(202).send(deployment);
        } catch (err) {
          await rm(file, { force: true });
          throw err;
        }
      },
    });
  });

  app.post(`${SVC_URL}/rollback`, {
    config: { access: access.org('service.deploy'), audit: 'deployment.rollback' },
    schema: {
      summary: 'Roll back to the previous successful deployment, or a named one, reusing its kept image (no build)',
      tags,
      params: serviceParams,
      body: z.object({ to: z.uuid().optional() }).nullish(),
      response: { 202: deploymentOut },
    },
    handler: async (req, reply) => reply.code(202).send(await ctx.deploys.rollback(await find(req), { to: req.body?.to ?? undefined, trigger: `rollback:${req.caller!.user.name}` })),
  });

  // Stop and start re-release the live image (no build) with 0 replicas, or with `replicas`: the same
  // queued, health-gated job as a rollback, so they never overlap a deploy of the service.
  const restartLive = async (req: FastifyRequest & { org?: { id: string }; params: z.infer<typeof serviceParams>; caller?: { user: { name: string; isInstanceAdmin: boolean } } }, replicas: number, verb: 'stop' | 'start') => {
    const service = await find(req);
    if (!service.currentDeploymentId) throw new Conflict(`the service has never been deployed: deploy it instead of ${verb === 'stop' ? 'stopping' : 'starting'} it`);
    const allowBindMounts = req.caller!.user.isInstanceAdmin;
    await updateService(db, service, { replicas }, { allowBindMounts });
    try {
      return await ctx.deploys.rollback(service, { to: service.currentDeploymentId, trigger: `${verb}:${req.caller!.user.name}` });
    } catch (err) {
      // Not queued (e.g. the live image is no longer kept): the replica count goes back to what it was.
      await updateService(db, service, { replicas: service.spec.replicas }, { allowBindMounts });
      throw err;
    }
  };

  app.post(`${SVC_URL}/stop`, {
    config: { access: access.org('service.deploy'), audit: 'service.stop' },
    schema: { summary: 'Stop the service: its replicas go to 0 (the live image is kept; start brings it back without a build)', tags, params: serviceParams, response: { 202: deploymentOut } },
    handler: async (req, reply) => reply.code(202).send(await restartLive(req, 0, 'stop')),
  });

  app.post(`${SVC_URL}/start`, {
    config: { access: access.org('service.deploy'), audit: 'service.start' },
    schema: {
      summary: 'Start a stopped service again with `replicas` replicas (default 1), from its live image',
      tags,
      params: serviceParams,
      body: z.object({ replicas: z.number().int().min(1).max(100).default(1) }).nullish(),
      response: { 202: deploymentOut },
    },
    handler: async (req, reply) => reply.code(202).send(await restartLive(req, req.body?.replicas ?? 1, 'start')),
  });

  app.get(`${SVC_URL}/deployments`, {
    config: { access: access.org('service.read') },
    schema: { summary: 'Deployments, newest first', tags, params: serviceParams, querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }), response: { 200: z.array(deploymentOut) } },
    handler: async (req) => listDeployments(db, { serviceId: (await find(req)).id, limit: req.query.limit }),
  });

  app.get(`${SVC_URL}/deployments/:id`, {
    config: { access: access.org('service.read') },
    schema: { summary: 'One deployment (with its queue position while queued)', tags, params: deploymentParams, response: { 200: deploymentOut } },
    handler: async (req) => {
      const d = await getDeployment(db, { serviceId: (await find(req)).id, id: req.params.id });
      const job = d.status === 'queued' && d.jobId ? await ctx.jobs.get({ orgId: req.org!.id, id: d.jobId }) : undefined;
      return { ...d, position: job?.position ?? null };
    },
  });

  app.post(`${SVC_URL}/deployments/:id/cancel`, {
    config: { access: access.org('service.deploy'), audit: 'deployment.cancel' },
    schema: { summary: 'Cancel a queued or running deployment (the live version keeps serving)', tags, params: deploymentParams, response: { 200: deploymentOut } },
    handler: async (req) => {
      const service = await find(req);
      await ctx.deploys.cancel(await getDeployment(db, { serviceId: service.id, id: req.params.id }));
      await syncDeploymentsWithJobs(db);
      return getDeployment(db, { serviceId: service.id, id: req.params.id });
    },
  });

  app.get(`${SVC_URL}/deployments/:id/logs`, {
    config: { access: access.org('service.read') },
    schema: {
      summary: "A deployment's log: JSON, or server-sent events with follow=true (live until it ends)",
      tags,
      params: deploymentParams,
      querystring: z.object({ follow: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'), after: z.coerce.number().int().min(0).default(0) }),
    },
    handler: async (req, reply) => {
      const d = await getDeployment(db, { serviceId: (await find(req)).id, id: req.params.id });
      const jobId = d.jobId!;
      if (!req.query.follow) return { status: d.status, lines: await readJobLogs({ db: ctx.database.pool, jobId, afterSeq: req.query.after }) };
      const stream = openEventStream(req, reply);
      let last = req.query.after;
      let replaying = true;
      const buffered: JobLogEvent[] = [];
      const send = (l: { seq: number; at: string | Date; line: string }) => {
        if (l.seq <= last) return;
        last = l.seq;
        stream.send('line', { seq: l.seq, at: l.at, line: l.line }, l.seq);
      };
      const finish = async () => {
        for (const l of await readJobLogs({ db: ctx.database.pool, jobId, afterSeq: last })) send(l);
        await syncDeploymentsWithJobs(db);
        const final = await getDeployment(db, { serviceId: d.serviceId, id: d.id });
        stream.send('end', { status: final.status, reason: final.reason });
        stream.end();
      };
      const unsubscribe = await Promise.all([
        ctx.bus.subscribe(jobLogTopic(jobId), (p) => (replaying ? buffered.push(p as JobLogEvent) : send(p as JobLogEvent))),
        ctx.bus.subscribe(JOB_STATE_TOPIC, (p) => {
          const e = p as JobStateEvent;
          if (e.jobId === jobId && ['succeeded', 'failed', 'cancelled'].includes(e.state)) void finish();
        }),
      ]);
      void stream.closed.then(() => Promise.all(unsubscribe.map((u) => u())));
      for (const l of await readJobLogs({ db: ctx.database.pool, jobId, afterSeq: last })) send(l);
      replaying = false;
      buffered.sort((a, b) => a.seq - b.seq).forEach(send);
      const job = await ctx.jobs.get({ orgId: req.org!.id, id: jobId });
      if (!job || ['succeeded', 'failed', 'cancelled'].includes(job.state)) await finish();
      await stream.closed;
    },
  });

  app.get(`${SVC_URL}/status`, {
    config: { access: access.org('service.read') },
    schema: { summary: 'Live status: the current deployment and its tasks as Docker reports them', tags, params: serviceParams, response: { 200: serviceStatusOut } },
    handler: async (req) => {
      const service = await find(req);
      const { current, latest } = await currentAndLatest(db, service);
      const tasks = current?.releaseName ? await ctx.docker.serviceTasks(current.releaseName).catch(() => []) : [];
      const running = tasks.filter((t) => t.desiredState === 'running');
      const desired = desiredReplicas(service.spec);
      const healthy = healthyCount(running);
      return {
        state: serviceState({ desired, healthy, current, latest }),
        replicas: { desired, healthy },
        current,
        latest,
        tasks: running.map((t) => ({ slot: t.slot ?? null, state: t.state, health: t.health ?? null, node: t.node.hostname ?? t.node.id, message: t.message, error: t.error ?? null })),
      };
    },
  });

  app.get(`${SVC_URL}/logs`, {
    config: { access: access.org('service.read') },
    schema: {
      summary: 'Runtime logs of the live release (server-sent events; follow keeps the stream open)',
      tags,
      params: serviceParams,
      querystring: z.object({
        follow: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
        tail: z.coerce.number().int().min(0).max(10_000).default(200),
        since: z.coerce.number().int().min(0).optional().describe('unix seconds'),
      }),
    },
    handler: async (req, reply) => {
      const service = await find(req);
      const current = service.currentDeploymentId ? await getDeployment(db, { serviceId: service.id, id: service.currentDeploymentId }) : null;
      if (!current?.releaseName) return reply.code(409).send({ error: 'conflict', message: 'the service has no live release yet' });
      const stream = openEventStream(req, reply);
      const abort = new AbortController();
      void stream.closed.then(() => abort.abort());
      try {
        for await (const l of ctx.docker.serviceLogs(current.releaseName, { follow: req.query.follow, tail: req.query.tail, ...(req.query.since ? { since: req.query.since } : {}), signal: abort.signal })) {
          stream.send('line', { stream: l.stream, at: l.timestamp, line: l.line });
        }
        stream.send('end', {});
      } catch (err) {
        if (!abort.signal.aborted) stream.send('error', { message: (err as Error).message });
      }
      stream.end();
    },
  });
}
