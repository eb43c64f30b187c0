// Backups over HTTP: destinations per organisation (keys written, never returned), backups of a service
// (run now, list, show, verify again, restore), restores, and schedules. Thin handlers over
// core/backups; every route declares its access. Running a backup is a member's right (it changes no
// data); restoring, destinations and schedules need service.write.
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { backupRequestSchema, destinationInputSchema, scheduleInputSchema, type BackupView, type DestinationView, type RestoreView, type ScheduleView } from '../../core/backups/index.ts';
import { newDatabaseSchema } from '../../core/databases/spec.ts';
import { Invalid } from '../../core/errors.ts';
import { resourceName } from '../../core/names.ts';
import { getEnvironment, getProject } from '../../core/projects/projects.ts';
import { getService } from '../../core/services/services.ts';
import { access } from '../access.ts';
import { isoDate, orgParams, serviceParams } from '../schemas.ts';
import type { Api } from '../server.ts';
import { SVC_URL } from './deployments.ts';

const DEST_URL = '/api/orgs/:org/backup-destinations';

export const destinationOut = z.object({
  id: z.uuid(),
  name: z.string(),
  endpoint: z.string().nullable(),
  region: z.string(),
  bucket: z.string(),
  prefix: z.string(),
  forcePathStyle: z.boolean(),
  accessKeyHint: z.string().describe('the last four characters of the access key id'),
  createdAt: isoDate,
});
const probeOut = z.object({ ok: z.literal(true), writeMs: z.number(), readMs: z.number(), deleteMs: z.number() });

const report = z.object({ objects: z.array(z.object({ name: z.string(), count: z.number(), checksum: z.string().optional() })) }).nullable();

export const backupOut = z.object({
  id: z.uuid(),
  serviceId: z.uuid().nullable(),
  destination: z.string(),
  scheduleId: z.uuid().nullable(),
  kind: z.enum(['database', 'volume']),
  volume: z.string().nullable(),
  trigger: z.enum(['manual', 'schedule', 'safety']),
  engine: z.string().nullable(),
  engineVersion: z.string().nullable(),
  objectKey: z.string(),
  status: z.enum(['queued', 'running', 'verifying', 'succeeded', 'failed']),
  error: z.string().nullable(),
  sizeBytes: z.number().nullable(),
  sha256: z.string().nullable(),
  verification: z.object({
    status: z.enum(['pending', 'passed', 'failed', 'skipped']),
    report,
    durationMs: z.number().nullable(),
    at: isoDate.nullable(),
  }),
  jobId: z.uuid().nullable(),
  createdAt: isoDate,
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  objectDeletedAt: isoDate.nullable().describe('set when retention removed the stored object'),
});

export const scheduleOut = z.object({
  id: z.uuid(),
  destination: z.string(),
  kind: z.enum(['database', 'volume']),
  volume: z.string().nullable(),
  stopService: z.boolean(),
  cron: z.string(),
  timezone: z.string(),
  keepCount: z.number().nullable(),
  keepDays: z.number().nullable(),
  enabled: z.boolean(),
  nextRunAt: isoDate.nullable(),
  lastRunAt: isoDate.nullable(),
  createdAt: isoDate,
});

export const restoreOut = z.object({
  id: z.uuid(),
  backupId: z.uuid(),
  targetServiceId: z.uuid().nullable(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  safetyBackupId: z.uuid().nullable(),
  error: z.string().nullable(),
  jobId: z.uuid().nullable(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
});

const restoreBody = z.object({
  target: z
    .object({
      project: resourceName,
      environment: resourceName,
      service: resourceName,
      create: z.boolean().default(false).describe("create this database service (the backup's engine and version) and restore into it"),
    })
    .optional()
    .describe('another database service of the same engine in this organisation, or a new one (create: true); absent = the backup’s own service'),
});

const toBackup = (b: BackupView): z.output<typeof backupOut> => ({
  id: b.id,
  serviceId: b.serviceId,
  destination: b.destination,
  scheduleId: b.scheduleId,
  kind: b.kind,
  volume: b.volume,
  trigger: b.trigger,
  engine: b.engine,
  engineVersion: b.engineVersion,
  objectKey: b.objectKey,
  status: b.status,
  error: b.error,
  sizeBytes: b.sizeBytes,
  sha256: b.sha256,
  verification: { status: b.verificationStatus, report: (b.verificationReport as z.infer<typeof report>) ?? null, durationMs: b.verificationMs, at: b.verifiedAt },
  jobId: b.jobId,
  createdAt: b.createdAt,
  startedAt: b.startedAt,
  finishedAt: b.finishedAt,
  objectDeletedAt: b.objectDeletedAt,
});
const toSchedule = (s: ScheduleView): z.output<typeof scheduleOut> => ({
  id: s.id,
  destination: s.destination,
  kind: s.kind,
  volume: s.volume,
  stopService: s.stopService,
  cron: s.cron,
  timezone: s.timezone,
  keepCount: s.keepCount,
  keepDays: s.keepDays,
  enabled: s.enabled,
  nextRunAt: s.nextRunAt,
  lastRunAt: s.lastRunAt,
  createdAt: s.createdAt,
});
const toRestore = (r: RestoreView): z.output<typeof restoreOut> => r;
const toDestination = (d: DestinationView): z.output<typeof destinationOut> => d;

export function backupRoutes(app: Api, ctx: AppContext): void {
  const db = ctx.database.db;
  const backups = ctx.backups;
  const destinations = backups.destinations;
  const tags = ['backups'];
  const find = async (orgId: string, p: { project: string; env: string; service: string }) => {
    const s = await getService(db, { orgId, project: p.project, environment: p.env, name: p.service });
    return { id: s.id, orgId, kind: s.kind };
  };
  const destinationParams = orgParams.extend({ destination: resourceName });
  // `:id` like deployments: a malformed id is a 404 (the use-cases check), not a 400.
  const backupParams = serviceParams.extend({ id: z.string().max(64) });
  const scheduleParams = serviceParams.extend({ id: z.string().max(64) });
  const restoreParams = serviceParams.extend({ id: z.string().max(64) });

  // ---- destinations ----

  app.get(DEST_URL, {
    config: { access: access.org('service.read') },
    schema: { summary: "The organisation's backup destinations (keys are never returned)", tags, params: orgParams, response: { 200: z.array(destinationOut) } },
    handler: async (req) => (await destinations.list(req.org!.id)).map(toDestination),
  });
  app.post(DEST_URL, {
    config: { access: access.org('service.write'), audit: 'backup.destination.create' },
    schema: {
      summary: 'Add an S3-compatible destination; it is stored only after a probe object was written, read back and deleted',
      tags,
      params: orgParams,
      body: destinationInputSchema,
      response: { 201: destinationOut },
    },
    handler: async (req, reply) => reply.code(201).send(toDestination(await destinations.create(req.org!.id, req.body))),
  });
  app.post(`${DEST_URL}/test`, {
    config: { access: access.org('service.write'), audit: 'backup.destination.test' },
    schema: { summary: 'Test settings before saving them: write, read and delete a probe object', tags, params: orgParams, body: destinationInputSchema, response: { 200: probeOut } },
    handler: async (req) => destinations.testInput(req.body),
  });
  app.post(`${DEST_URL}/:destination/test`, {
    config: { access: access.org('service.write'), audit: 'backup.destination.test' },
    schema: { summary: 'Test a stored destination: write, read and delete a probe object', tags, params: destinationParams, response: { 200: probeOut } },
    handler: async (req) => destinations.test(req.org!.id, req.params.destination),
  });
  app.delete(`${DEST_URL}/:destination`, {
    config: { access: access.org('service.write'), audit: 'backup.destination.delete' },
    schema: { summary: 'Remove a destination no backup or schedule uses', tags, params: destinationParams, response: { 204: z.null() } },
    handler: async (req, reply) => {
      await destinations.remove(req.org!.id, req.params.destination);
      return reply.code(204).send(null);
    },
  });

  // ---- backups ----

  app.get(`${SVC_URL}/backups`, {
    config: { access: access.org('service.read') },
    schema: { summary: "The service's backups, newest first", tags, params: serviceParams, response: { 200: z.array(backupOut) } },
    handler: async (req) => (await backups.list((await find(req.org!.id, req.params)).id)).map(toBackup),
  });
  app.post(`${SVC_URL}/backups`, {
    config: { access: access.org('service.deploy'), audit: 'backup.create' },
    schema: {
      summary: 'Back up now: a database dump (kind database) or a named volume (kind volume), streamed to the destination, then verified by restoring it into a throwaway container',
      tags,
      params: serviceParams,
      body: backupRequestSchema,
      response: { 202: backupOut },
    },
    handler: async (req, reply) => reply.code(202).send(toBackup(await backups.request(await find(req.org!.id, req.params), req.body))),
  });
  app.get(`${SVC_URL}/backups/:id`, {
    config: { access: access.org('service.read') },
    schema: { summary: 'One backup: status, size, SHA-256, verification result and report', tags, params: backupParams, response: { 200: backupOut } },
    handler: async (req) => toBackup(await backups.get((await find(req.org!.id, req.params)).id, req.params.id)),
  });
  app.post(`${SVC_URL}/backups/:id/verify`, {
    config: { access: access.org('service.deploy'), audit: 'backup.verify' },
    schema: { summary: 'Verify a stored backup again (restore into a throwaway container, check)', tags, params: backupParams, response: { 202: backupOut } },
    handler: async (req, reply) => reply.code(202).send(toBackup(await backups.verifyAgain(await find(req.org!.id, req.params), req.params.id))),
  });
  app.post(`${SVC_URL}/backups/:id/restore`, {
    config: { access: access.org('service.write'), audit: 'backup.restore' },
    schema: {
      summary: 'Restore a verified backup into this service (after a safety backup of its current data), into another database service of the same engine, or into a new one (target.create)',
      tags,
      params: backupParams,
      body: restoreBody,
      response: { 202: restoreOut },
    },
    handler: async (req, reply) => {
      const orgId = req.org!.id;
      const source = await find(orgId, req.params);
      const t = req.body.target;
      if (t?.create) {
        // Everything is checked before the database is created: a refused restore creates nothing.
        const backup = await backups.restorable(source, req.params.id);
        if (backup.kind !== 'database' || !backup.engine) throw new Invalid([{ path: 'body/target/create', message: 'only a database backup restores into a new database' }]);
        const input = newDatabaseSchema.safeParse({ name: t.service, engine: backup.engine, ...(backup.engineVersion ? { version: backup.engineVersion } : {}) });
        if (!input.success) throw new Invalid([{ path: 'body/target', message: input.error.issues.map((i) => i.message).join('; ') }]);
        const project = await getProject(db, { orgId, name: t.project });
        const env = await getEnvironment(db, { projectId: project.id, name: t.environment });
        const created = await ctx.databases.create({ environmentId: env.id, scope: { orgId, project: project.name, environment: env.name }, input: input.data });
        return reply.code(202).send(toRestore(await backups.restore(source, backup.id, { id: created.id, orgId, kind: 'database' }, { newDatabase: true })));
      }
      const target = t ? await find(orgId, { project: t.project, env: t.environment, service: t.service }) : source;
      return reply.code(202).send(toRestore(await backups.restore(source, req.params.id, target)));
    },
  });
  app.get(`${SVC_URL}/restores/:id`, {
    config: { access: access.org('service.read') },
    schema: { summary: 'One restore into this service', tags, params: restoreParams, response: { 200: restoreOut } },
    handler: async (req) => toRestore(await backups.getRestore((await find(req.org!.id, req.params)).id, req.params.id)),
  });

  // ---- schedules ----

  app.get(`${SVC_URL}/backup-schedules`, {
    config: { access: access.org('service.read') },
    schema: { summary: "The service's backup schedules", tags, params: serviceParams, response: { 200: z.array(scheduleOut) } },
    handler: async (req) => (await backups.listSchedules((await find(req.org!.id, req.params)).id)).map(toSchedule),
  });
  app.post(`${SVC_URL}/backup-schedules`, {
    config: { access: access.org('service.write'), audit: 'backup.schedule.create' },
    schema: {
      summary: 'Back up on a cron schedule, with retention by count and/or age',
      tags,
      params: serviceParams,
      body: scheduleInputSchema,
      response: { 201: scheduleOut },
    },
    handler: async (req, reply) => reply.code(201).send(toSchedule(await backups.createSchedule(await find(req.org!.id, req.params), req.body))),
  });
  app.delete(`${SVC_URL}/backup-schedules/:id`, {
    config: { access: access.org('service.write'), audit: 'backup.schedule.delete' },
    schema: { summary: 'Remove a schedule (its backups stay)', tags, params: scheduleParams, response: { 204: z.null() } },
    handler: async (req, reply) => {
      await backups.removeSchedule((await find(req.org!.id, req.params)).id, req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post(`${SVC_URL}/backup-schedules/:id/run`, {
    config: { access: access.org('service.deploy'), audit: 'backup.schedule.run' },
    schema: { summary: "Run a schedule's backup now (its retention applies)", tags, params: scheduleParams, response: { 202: backupOut } },
    handler: async (req, reply) => reply.code(202).send(toBackup(await backups.runSchedule(await find(req.org!.id, req.params), req.params.id))),
  });
}
