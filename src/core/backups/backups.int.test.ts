// Backups against real things: database containers of the test-bed images (PostgreSQL, MariaDB, Redis),
// the real s3rver through the AWS SDK, a real PostgreSQL for Berth's rows. For each engine: data
// written → backup streamed to S3 (size and SHA-256 recorded, matching the stored object) → verified in
// a throwaway container → data dropped → restored (after a safety backup) → every table's / key
// space's row count and checksum equal the original. Also: a volume backup and restore, a corrupted
// object failing verification (backup marked failed, event raised), a cross-engine restore refused with
// nothing written, retention deleting exactly the right objects, and durable, replica-safe schedules.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { MemoryBus } from '../../infra/bus/memory.ts';
import { SecretBox } from '../../infra/crypto/secretbox.ts';
import { ContainerGateway } from '../../infra/docker/containers.ts';
import { JobQueue, JobRegistry } from '../../jobs/index.ts';
import type { DatabaseEngineId } from '../databases/engine.ts';
import { Invalid } from '../errors.ts';
import { testDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { testBucket, type TestBucket } from '../../../test/support/s3.ts';
import { FIXTURES, runAll, startDatabase } from './engine-fixtures.test-support.ts';
import { runVerification } from './verify.ts';
import { BACKUP_FAILED_TOPIC, backupsModule, type Backups, type BackupsModule, type DatabaseSubject } from './index.ts';

const run = randomBytes(3).toString('hex');
const labels = { 'berth.test': `backups-${run}` };
const toolsImage = process.env.BERTH_TEST_IMAGE_BASE ?? 'berth/debian:bookworm';
const ENGINES_UNDER_TEST: DatabaseEngineId[] = ['postgres', 'mariadb', 'redis'];

describe('backups end to end (real database containers, s3rver, PostgreSQL)', { timeout: 900_000 }, () => {
  let tdb: TestDatabase;
  let bucket: TestBucket;
  let mod: BackupsModule;
  let backups: Backups;
  const bus = new MemoryBus();
  const containers = new ContainerGateway({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  const subjects = new Map<string, DatabaseSubject>();
  const services: Record<string, { id: string; orgId: string; kind: string }> = {};
  let orgId: string;
  const volume = `berth-test-vol-${run}`;
  let manualVolumeKey = '';

  async function addService(name: string, kind: string, spec: Record<string, unknown> = {}) {
    const { rows } = await tdb.pool.query<{ id: string }>(
      `INSERT INTO services (environment_id, name, kind, spec) SELECT e.id, $1, $2, $3 FROM environments e JOIN projects p ON p.id = e.project_id WHERE p.org_id = $4 LIMIT 1 RETURNING id`,
      [name, kind, JSON.stringify(spec), orgId],
    );
    services[name] = { id: rows[0]!.id, orgId, kind };
    return services[name]!;
  }

  /** Runs what the queued backup job would run. */
  async function backupNow(service: { id: string; orgId: string; kind: string }, input: Parameters<Backups['request']>[1]) {
    const queued = await backups.request(service, input);
    assert.equal(queued.status, 'queued');
    await mod.runner.run(queued.id).catch(() => undefined);
    return backups.get(service.id, queued.id);
  }

  async function objectSha(key: string): Promise<string> {
    const storage = await mod.destinations.storage((await mod.destinations.row(orgId, 'store')).id);
    const hash = createHash('sha256');
    for await (const chunk of await storage.download(key)) hash.update(chunk as Buffer);
    storage.close();
    return hash.digest('hex');
  }

  before(async () => {
    tdb = await testDatabase();
    bucket = await testBucket();
    const { rows } = await tdb.pool.query<{ id: string }>("INSERT INTO organizations (name) VALUES ('acme') RETURNING id");
    orgId = rows[0]!.id;
    await tdb.pool.query("WITH p AS (INSERT INTO projects (org_id, name) VALUES ($1, 'shop') RETURNING id) INSERT INTO environments (project_id, name, kind) SELECT id, 'production', 'production' FROM p", [orgId]);
    mod = backupsModule({
      db: tdb.db,
      pool: tdb.pool,
      bus,
      secrets: new SecretBox(randomBytes(32)),
      containers,
      databases: {
        resolve: async (id) => {
          const s = subjects.get(id);
          if (!s) throw new Invalid([{ path: 'service', message: 'not a database' }]);
          return s;
        },
      },
      toolsImage,
    });
    const queue = new JobQueue({ pool: tdb.pool, bus, registry: new JobRegistry(mod.jobTypes), logger: pino({ level: 'silent' }) });
    backups = mod.attach(queue);
    await mod.destinations.create(orgId, { name: 'store', ...bucket.location('berth/'), endpoint: bucket.location().endpoint ?? null });
    await Promise.all(
      ENGINES_UNDER_TEST.map(async (engine) => {
        const svc = await addService(`db-${engine}`, 'database', { engine, version: FIXTURES[engine]!.version });
        subjects.set(svc.id, await startDatabase(containers, engine, svc.id, labels));
      }),
    );
  });

  after(async () => {
    for (const c of await containers.listContainers(labels)) await containers.removeContainer(c.id);
    await containers.removeVolume(volume).catch(() => undefined);
    await bucket?.drop();
    await tdb?.drop();
    await bus.close();
  });

  for (const engine of ENGINES_UNDER_TEST) {
    it(`${engine}: write → backup (streamed, sha256 recorded) → verified → drop → restore → every table/key equal`, async () => {
      const svc = services[`db-${engine}`]!;
      const db = subjects.get(svc.id)!;
      await runAll(containers, db, FIXTURES[engine]!.seed);
      const original = await runVerification(containers, db.containerId, db.engine, db.credentials);
      assert.ok(original.objects.length >= 2 && original.objects.every((o) => o.count > 0), JSON.stringify(original));

      const b = await backupNow(svc, { destination: 'store' });
      assert.equal(b.status, 'succeeded', b.error ?? '');
      assert.equal(b.verificationStatus, 'passed');
      assert.ok(b.verificationMs! > 0);
      assert.equal(b.engine, engine);
      assert.deepEqual(b.verificationReport, original, 'the throwaway restore holds exactly what the database held');
      assert.ok(b.sizeBytes! > 0);
      assert.equal(await objectSha(b.objectKey), b.sha256, 'the recorded SHA-256 is the stored object’s');
      assert.ok((await bucket.keys()).includes(`berth/${b.objectKey}`));
      assert.deepEqual(await containers.listContainers({ 'berth.backup': b.id }), [], 'the verification container is gone');

      await runAll(containers, db, FIXTURES[engine]!.drop);
      assert.notDeepEqual(await runVerification(containers, db.containerId, db.engine, db.credentials), original);

      const restore = await backups.restore(svc, b.id);
      const result = await mod.runner.restore(restore.id);
      assert.equal((await backups.getRestore(svc.id, restore.id)).status, 'succeeded');
      assert.deepEqual(await runVerification(containers, db.containerId, db.engine, db.credentials), original, 'restored contents equal the original');
      const safety = await backups.get(svc.id, result.safetyBackupId!);
      assert.equal(safety.trigger, 'safety');
      assert.equal(safety.status, 'succeeded', 'the safety backup (of the dropped state) verified too');
    });
  }

  it('a corrupted object fails verification: the backup is marked failed and backup.failed is published', async () => {
    const svc = services['db-postgres']!;
    const b = await backupNow(svc, { destination: 'store' });
    assert.equal(b.status, 'succeeded');
    const events: unknown[] = [];
    const off = await bus.subscribe(BACKUP_FAILED_TOPIC, (payload) => events.push(payload));
    await bucket.put(`berth/${b.objectKey}`, randomBytes(4096));
    await assert.rejects(mod.runner.reverify(b.id), /verification failed/, 'the job fails too');
    const after = await backups.get(svc.id, b.id);
    assert.equal(after.status, 'failed');
    assert.equal(after.verificationStatus, 'failed');
    assert.match(after.error ?? '', /verification failed: .*(SHA-256|corrupt|incorrect header)/i);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(events.some((e) => (e as { backupId: string }).backupId === b.id), 'a backup.failed event names the backup');
    await off();
    await assert.rejects(backups.restore(svc, b.id), (err: unknown) => err instanceof Invalid && err.status === 400, 'a failed backup is not restorable');
    assert.deepEqual(await containers.listContainers({ 'berth.backup': b.id }), []);
  });

  it('a restore into a database of another engine is refused (400) and nothing is written', async () => {
    const pg = services['db-postgres']!;
    const [good] = (await backups.list(pg.id)).filter((b) => b.status === 'succeeded' && b.trigger === 'manual');
    const redis = services['db-redis']!;
    const before = await tdb.pool.query('SELECT (SELECT count(*) FROM backup_restores) AS r, (SELECT count(*) FROM jobs) AS j');
    await assert.rejects(backups.restore(pg, good!.id, redis), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/target' && /postgres backup/.test(err.message));
    const afterRows = await tdb.pool.query('SELECT (SELECT count(*) FROM backup_restores) AS r, (SELECT count(*) FROM jobs) AS j');
    assert.deepEqual(afterRows.rows, before.rows);
  });

  it('volume backup: tar streamed → verified → volume wiped → restored → same files', async () => {
    const app = await addService('files', 'app');
    await containers.createVolume(volume, { 'berth.service': app.id, ...labels });
    const sums = () =>
      containers.withScratchContainer({ image: toolsImage, cmd: ['sleep', 'infinity'], labels, volumes: [{ name: volume, target: '/v' }] }, async (id) =>
        (await containers.exec(id, { argv: ['sh', '-c', 'cd /v && find . -type f -exec sha256sum {} + | sort'] })).stdout,
      );
    await containers.withScratchContainer({ image: toolsImage, cmd: ['sleep', 'infinity'], labels, volumes: [{ name: volume, target: '/v' }] }, async (id) => {
      await containers.exec(id, { argv: ['sh', '-c', 'mkdir -p /v/a/b && head -c 3000000 /dev/urandom > /v/a/blob && echo hello > /v/a/b/note && echo top > /v/top'] });
    });
    const original = await sums();
    assert.equal(original.trim().split('\n').length, 3);

    await assert.rejects(backups.request(app, { destination: 'store', kind: 'volume', volume: 'berth-someone-elses' }), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/volume');
    const b = await backupNow(app, { destination: 'store', kind: 'volume', volume });
    assert.equal(b.status, 'succeeded', b.error ?? '');
    assert.deepEqual(b.verificationReport, { objects: [{ name: 'files', count: 3 }, { name: 'bytes', count: 3_000_000 + 6 + 4 }] });
    assert.equal(await objectSha(b.objectKey), b.sha256);
    manualVolumeKey = `berth/${b.objectKey}`;

    await containers.withScratchContainer({ image: toolsImage, cmd: ['sleep', 'infinity'], labels, volumes: [{ name: volume, target: '/v' }] }, async (id) => {
      await containers.exec(id, { argv: ['sh', '-c', 'rm -rf /v/a && echo changed > /v/top && echo new > /v/extra'] });
    });
    assert.notEqual(await sums(), original);
    const restore = await backups.restore(app, b.id);
    await mod.runner.restore(restore.id);
    assert.equal(await sums(), original, 'the volume holds exactly the backed-up files again');
  });

  it('retention by count and by age deletes exactly the objects it should', async () => {
    const app = services['files']!;
    const schedule = await backups.createSchedule(app, { destination: 'store', kind: 'volume', volume, cron: '0 3 * * *', keepCount: 2 });
    const made: string[] = [];
    for (let i = 0; i < 4; i++) {
      const queued = await backups.runSchedule(app, schedule.id);
      await mod.runner.run(queued.id);
      made.push(queued.id);
    }
    const rows = await Promise.all(made.map((id) => backups.get(app.id, id)));
    const keys = async () => (await bucket.keys('berth/')).filter((k) => rows.some((r) => `berth/${r.objectKey}` === k));
    assert.deepEqual(await keys(), rows.slice(2).map((r) => `berth/${r.objectKey}`).sort(), 'count: the newest two stay');
    assert.deepEqual(rows.map((r) => r.objectDeletedAt !== null), [true, true, false, false]);
    assert.ok((await bucket.keys('berth/')).includes(manualVolumeKey), 'a backup of the service outside the schedule is untouched');

    // By age: keep 10 by count but nothing older than 3 days; the older one goes, the newest always stays.
    await tdb.pool.query("UPDATE backup_schedules SET keep_count = 10, keep_days = 3 WHERE id = $1", [schedule.id]);
    await tdb.pool.query("UPDATE backups SET created_at = now() - interval '5 days' WHERE id = $1", [made[2]]);
    const removed = await mod.runner.applyRetention(schedule.id);
    assert.deepEqual(removed, [made[2]]);
    assert.deepEqual(await keys(), [`berth/${rows[3]!.objectKey}`]);
  });

  it('schedules: invalid cron or time zone is a 400 naming the field; due schedules are enqueued once, however many replicas tick', async () => {
    const app = services['files']!;
    await assert.rejects(backups.createSchedule(app, { destination: 'store', kind: 'volume', volume, cron: '61 * * * *' }), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/cron');
    await assert.rejects(backups.createSchedule(app, { destination: 'store', kind: 'volume', volume, cron: '* * *' }), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/cron');
    await assert.rejects(backups.createSchedule(app, { destination: 'store', kind: 'volume', volume, cron: '@daily', timezone: 'Mars/Base' }), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/timezone');
    await assert.rejects(backups.createSchedule(app, { destination: 'nowhere', kind: 'volume', volume, cron: '@daily' }), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/destination');

    const t0 = new Date('2030-01-01T10:00:00Z');
    const s = await backups.createSchedule(app, { destination: 'store', kind: 'volume', volume, cron: '*/5 * * * *' }, t0);
    assert.equal(s.nextRunAt?.toISOString(), '2030-01-01T10:05:00.000Z');
    await tdb.pool.query('UPDATE backup_schedules SET enabled = false WHERE id <> $1', [s.id]);
    // Two replicas tick at once, long after the slot (missed runs are caught up once, not per slot).
    const later = new Date('2030-01-01T10:32:00Z');
    const [a, b] = await Promise.all([backups.enqueueDue(later), backups.enqueueDue(later)]);
    assert.equal(a.length + b.length, 1, 'one backup for one due schedule');
    const after = await backups.schedule(app.id, s.id);
    assert.equal(after.nextRunAt?.toISOString(), '2030-01-01T10:35:00.000Z');
    assert.equal(after.lastRunAt?.toISOString(), later.toISOString());
    const created = await backups.get(app.id, [...a, ...b][0]!);
    assert.equal(created.trigger, 'schedule');
    assert.equal(created.scheduleId, s.id);
    const { rows } = await tdb.pool.query("SELECT count(*)::int AS n FROM jobs WHERE type = 'backup' AND payload->>'backupId' = $1", [created.id]);
    assert.equal(rows[0].n, 1, 'its job is queued with it');
    assert.deepEqual(await backups.enqueueDue(later), [], 'nothing more is due');
  });

  it('destinations: wrong credentials or an unreachable endpoint are a 400 naming the field, and nothing is stored', async () => {
    const count = async () => (await tdb.pool.query('SELECT count(*)::int AS n FROM backup_destinations')).rows[0].n as number;
    const before = await count();
    const base = { ...bucket.location(), endpoint: bucket.location().endpoint ?? null };
    await assert.rejects(mod.destinations.create(orgId, { ...base, name: 'wrong-key', accessKeyId: 'NOT-A-KEY' }), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/accessKeyId');
    await assert.rejects(mod.destinations.create(orgId, { ...base, name: 'away', endpoint: 'http://127.0.0.1:9' }), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/endpoint');
    await assert.rejects(mod.destinations.create(orgId, { ...base, name: 'no-bucket', bucket: 'no-such-bucket-anywhere' }), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/bucket');
    await assert.rejects(mod.destinations.create(orgId, { ...base, name: 'Bad Name' }), (err: unknown) => err instanceof Invalid && err.issues[0]!.path === 'body/name');
    assert.equal(await count(), before);
    const { rows } = await tdb.pool.query('SELECT access_key_id_sealed, secret_access_key_sealed FROM backup_destinations');
    for (const r of rows) assert.ok(r.access_key_id_sealed.startsWith('v1:') && r.secret_access_key_sealed.startsWith('v1:') && !JSON.stringify(r).includes('S3RVER'));
    assert.equal((await mod.destinations.test(orgId, 'store')).ok, true);
  });

  it('every throwaway container is gone', async () => {
    for (const role of ['backup-verification', 'volume-backup', 'volume-restore']) assert.deepEqual(await containers.listContainers({ 'berth.role': role }), [], role);
  });
});
