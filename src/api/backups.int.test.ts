// Backups through the public API against real database services (created through the databases API,
// run by the database job in Swarm), the real s3rver and the job worker: destination errors are 400s
// naming the field with nothing stored; a PostgreSQL backup runs as a job, verifies, and restores
// after the data was dropped; a restore into a Redis database is refused with nothing written; an
// invalid cron is a 400; a version change takes a safety backup first (the databases room's hook).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { ownerMemberOutsider, type Client } from '../../test/support/client.ts';
import { removeNetworkEventually } from '../../test/support/docker-cleanup.ts';
import { testBucket, type TestBucket } from '../../test/support/s3.ts';
import { runVerification } from '../core/backups/verify.ts';
import type { DatabaseHandle } from '../core/databases/job.ts';
import { ContainerGateway } from '../infra/docker/containers.ts';
import type { Worker } from '../jobs/index.ts';
import { projectNetworkName } from '../plan/app-service.ts';

const run = randomBytes(3).toString('hex');
const project = `bk-${run}`;
const ENV = `/api/orgs/acme/projects/${project}/environments/production`;
const DEST = '/api/orgs/acme/backup-destinations';
const images = { ...(JSON.parse(process.env.BERTH_TEST_DATABASE_IMAGES ?? '{}') as Record<string, string>) };
// A version change needs a second version with an image: Redis 7.2 runs the same local image here.
if (images['redis:7']) images['redis:7.2'] = images['redis:7'];

describe('backups API end to end (database services, s3rver, job worker)', { timeout: 900_000 }, () => {
  let t: TestApp;
  let c: Client;
  let member: Client;
  let outsider: Client;
  let worker: Worker;
  let bucket: TestBucket;
  let containers: ContainerGateway;
  const handles: DatabaseHandle[] = [];

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await delay(300);
    }
  }
  const running = (name: string) =>
    until(`${name} running`, async () => {
      const r = await c.get(`${ENV}/databases/${name}`);
      if (r.body.status === 'failed') assert.fail(r.body.lastError);
      return r.body.status === 'running' ? (r.body as { id: string }) : undefined;
    });
  const backupDone = (svc: string, id: string) =>
    until(`backup ${id}`, async () => {
      const r = await c.get(`${ENV}/services/${svc}/backups/${id}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return ['succeeded', 'failed'].includes(r.body.status) ? r.body : undefined;
    });

  before(async () => {
    t = await testApp({ env: { BERTH_DATABASE_IMAGES: JSON.stringify(images), BERTH_BACKUP_TOOLS_IMAGE: process.env.BERTH_TEST_IMAGE_BASE ?? 'berth/debian:bookworm' } });
    containers = new ContainerGateway({ socketPath: t.ctx.config.BERTH_DOCKER_SOCKET });
    worker = t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
    await worker.start();
    ({ owner: c, member, outsider } = await ownerMemberOutsider(t.api, t.setupToken));
    bucket = await testBucket();
    assert.equal((await c.post('/api/orgs/acme/projects', { name: project })).status, 201);
    assert.equal((await c.post(`${ENV}/databases`, { name: 'maindb', engine: 'postgres', version: '15' })).status, 202);
    assert.equal((await c.post(`${ENV}/databases`, { name: 'cache', engine: 'redis', version: '7' })).status, 202);
    for (const name of ['maindb', 'cache']) handles.push(await t.ctx.databaseRuntime.open((await running(name)).id));
  });

  after(async () => {
    for (const h of handles) {
      await t.ctx.docker.removeService(h.swarmService).catch(() => undefined);
      for (let i = 0; i < 120; i++) {
        if ((await containers.removeVolume(h.volume).catch(() => 'busy')) !== 'busy') break;
        await delay(250);
      }
    }
    if (handles[0]) await removeNetworkEventually(t.ctx.docker, projectNetworkName(handles[0].projectId)).catch(() => undefined);
    await worker?.stop();
    await bucket?.drop();
    await t?.close();
  });

  it('destinations: wrong key, unreachable endpoint, missing bucket → 400 naming the field, nothing stored; keys never returned', async () => {
    const good = { name: 'offsite', ...bucket.location('team'), endpoint: bucket.location().endpoint };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, accessKeyId: 'NOT-A-KEY' }, 'body/accessKeyId'],
      [{ ...good, endpoint: 'http://127.0.0.1:9' }, 'body/endpoint'],
      [{ ...good, bucket: 'no-such-bucket-anywhere' }, 'body/bucket'],
      [{ ...good, endpoint: 'ftp://example.com' }, 'body/endpoint'],
      [{ ...good, prefix: 'a/../b' }, 'body/prefix'],
    ];
    for (const [body, path] of cases) {
      const res = await c.post(DEST, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.issues[0].path, path, JSON.stringify(res.body));
      assert.ok(!JSON.stringify(res.body).includes(String(body.secretAccessKey)), 'the secret is not echoed');
    }
    assert.deepEqual((await c.get(DEST)).body, []);
    assert.equal((await member.post(DEST, good)).status, 403, 'a member cannot add destinations');
    assert.equal((await outsider.get(DEST)).status, 404, 'another organisation sees nothing');
    const created = await c.post(DEST, good);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.accessKeyHint, `…${good.accessKeyId.slice(-4)}`);
    assert.ok(!JSON.stringify((await c.get(DEST)).body).includes(good.secretAccessKey));
    assert.equal((await c.post(`${DEST}/offsite/test`)).body.ok, true);
  });

  it('PostgreSQL: a backup job streams, verifies; drop the data; restore brings every table back equal', async () => {
    const db = handles[0]!;
    const id = await db.runningContainerId();
    const psql = (sql: string) => containers.exec(id, { argv: ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], env: db.engine.execEnv(db.credentials) });
    assert.equal((await psql("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 2000) g")).exitCode, 0);
    const original = await runVerification(containers, id, db.engine, db.credentials);

    const res = await member.post(`${ENV}/services/maindb/backups`, { destination: 'offsite' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const done = await backupDone('maindb', res.body.id);
    assert.equal(done.status, 'succeeded', done.error);
    assert.equal(done.verification.status, 'passed');
    assert.deepEqual(done.verification.report, original);
    assert.ok(done.sizeBytes > 0 && /^[0-9a-f]{64}$/.test(done.sha256));
    assert.ok((await bucket.keys('team/')).includes(`team/${done.objectKey}`));

    assert.equal((await psql('DROP TABLE items')).exitCode, 0);
    assert.equal((await member.post(`${ENV}/services/maindb/backups/${done.id}/restore`, {})).status, 403, 'a member cannot restore');
    const restore = await c.post(`${ENV}/services/maindb/backups/${done.id}/restore`, {});
    assert.equal(restore.status, 202, JSON.stringify(restore.body));
    const finished = await until('restore', async () => {
      const r = await c.get(`${ENV}/services/maindb/restores/${restore.body.id}`);
      return ['succeeded', 'failed'].includes(r.body.status) ? r.body : undefined;
    });
    assert.equal(finished.status, 'succeeded', finished.error);
    assert.ok(finished.safetyBackupId, 'a safety backup was taken first');
    assert.deepEqual(await runVerification(containers, await db.runningContainerId(), db.engine, db.credentials), original);
    const list = (await c.get(`${ENV}/services/maindb/backups`)).body as Array<{ trigger: string }>;
    assert.deepEqual(list.map((b) => b.trigger).sort(), ['manual', 'safety']);
  });

  it("a volume backup of the database's own volume, with the service stopped for a consistent copy, then running again", async () => {
    const db = handles[0]!;
    const before = await runVerification(containers, await db.runningContainerId(), db.engine, db.credentials);
    const refused = await c.post(`${ENV}/services/cache/backups`, { destination: 'offsite', kind: 'volume', volume: db.volume });
    assert.equal(refused.status, 400, 'another service’s volume is refused');
    assert.equal(refused.body.issues[0].path, 'body/volume');
    const res = await c.post(`${ENV}/services/maindb/backups`, { destination: 'offsite', kind: 'volume', volume: db.volume, stopService: true });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const done = await backupDone('maindb', res.body.id);
    assert.equal(done.status, 'succeeded', done.error);
    assert.equal(done.verification.status, 'passed');
    assert.ok(done.verification.report.objects.find((o: { name: string }) => o.name === 'files').count > 100, 'a PostgreSQL data directory');
    const log = (await t.queue.logs(done.jobId)).map((l) => l.line).join('\n');
    assert.match(log, /service stopped for a consistent copy/);
    // Scaled back: the database answers again with the same data.
    const id = await until('maindb running again', async () => db.runningContainerId().catch(() => undefined));
    await until('maindb ready', async () => ((await containers.exec(id, { argv: db.engine.healthCheck, env: db.engine.execEnv(db.credentials) })).exitCode === 0 ? true : undefined));
    assert.deepEqual(await runVerification(containers, id, db.engine, db.credentials), before);
  });

  it('restore into a new database service: created with the backup’s engine and version, then filled', async () => {
    const [backup] = (await c.get(`${ENV}/services/maindb/backups`)).body.filter((b: { trigger: string; kind: string }) => b.trigger === 'manual' && b.kind === 'database');
    const res = await c.post(`${ENV}/services/maindb/backups/${backup.id}/restore`, { target: { project, environment: 'production', service: 'maindb-copy', create: true } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const created = await running('maindb-copy');
    const copy = await t.ctx.databaseRuntime.open(created.id);
    handles.push(copy);
    assert.equal(copy.engine.id, 'postgres');
    const finished = await until('restore into the new database', async () => {
      const r = await c.get(`${ENV}/services/maindb-copy/restores/${res.body.id}`);
      return ['succeeded', 'failed'].includes(r.body.status) ? r.body : undefined;
    });
    assert.equal(finished.status, 'succeeded', finished.error);
    assert.deepEqual(await runVerification(containers, await copy.runningContainerId(), copy.engine, copy.credentials), backup.verification.report);
    const refused = await c.post(`${ENV}/services/maindb/backups/${backup.id}/restore`, { target: { project, environment: 'production', service: 'Bad Name', create: true } });
    assert.equal(refused.status, 400);
  });

  it('a restore of a PostgreSQL backup into a Redis database is a 400 and changes nothing', async () => {
    const [backup] = (await c.get(`${ENV}/services/maindb/backups`)).body.filter((b: { trigger: string; kind: string }) => b.trigger === 'manual' && b.kind === 'database');
    const before = await t.ctx.database.pool.query('SELECT (SELECT count(*) FROM backup_restores) AS r, (SELECT count(*) FROM jobs) AS j, (SELECT count(*) FROM backups) AS b');
    const res = await c.post(`${ENV}/services/maindb/backups/${backup.id}/restore`, { target: { project, environment: 'production', service: 'cache' } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.issues[0].path, 'body/target');
    assert.match(res.body.message, /postgres backup.*Redis/);
    const afterRows = await t.ctx.database.pool.query('SELECT (SELECT count(*) FROM backup_restores) AS r, (SELECT count(*) FROM jobs) AS j, (SELECT count(*) FROM backups) AS b');
    assert.deepEqual(afterRows.rows, before.rows);
  });

  it('schedules: an invalid cron is a 400 naming body/cron; a valid one reports its next run', async () => {
    const bad = await c.post(`${ENV}/services/maindb/backup-schedules`, { destination: 'offsite', cron: 'every day at 3' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.issues[0].path, 'body/cron');
    const good = await c.post(`${ENV}/services/maindb/backup-schedules`, { destination: 'offsite', cron: '15 3 * * *', timezone: 'Europe/Berlin', keepCount: 7, keepDays: 30 });
    assert.equal(good.status, 201, JSON.stringify(good.body));
    assert.ok(new Date(good.body.nextRunAt).getTime() > Date.now());
    assert.equal((await c.get(`${ENV}/services/maindb/backup-schedules`)).body.length, 1);
  });

  it('a version change takes a verified safety backup first (the databases hook)', async () => {
    // Redis 7 → 7.2 (the same data format; PostgreSQL refuses a major change and says to restore instead).
    const first = await c.post(`${ENV}/services/cache/backups`, { destination: 'offsite' });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const done = await backupDone('cache', first.body.id);
    assert.equal(done.status, 'succeeded', done.error);
    const res = await c.patch(`${ENV}/databases/cache`, { version: '7.2' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await until('the version change', async () => {
      const r = await c.get(`${ENV}/databases/cache`);
      if (r.body.status === 'failed') assert.fail(r.body.lastError);
      return r.body.status === 'running' && r.body.version === '7.2' ? r.body : undefined;
    });
    const list = (await c.get(`${ENV}/services/cache/backups`)).body as Array<{ trigger: string; status: string; engineVersion: string }>;
    assert.equal(list.length, 2);
    assert.equal(list[0]!.trigger, 'safety');
    assert.equal(list[0]!.status, 'succeeded');
    assert.equal(list[0]!.engineVersion, '7', 'taken from the old version, before the change');
  });
});
