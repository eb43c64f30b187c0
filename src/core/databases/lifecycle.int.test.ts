// A PostgreSQL database's life after creation, against real Docker: an external port published in host
// mode (reachable from the host with the revealed password), resource limits in the Swarm spec, a
// version change that calls the safety-backup hook first and updates stop-first, a restart — and the
// data survives all of it. (Both versions map to the test bed's one PostgreSQL image: what is tested
// is Berth's handling of the change, not PostgreSQL's upgrade.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { testApp, type TestApp } from '../../../test/support/app.ts';
import { setupOwner, type Client } from '../../../test/support/client.ts';
import { removeNetworkEventually } from '../../../test/support/docker-cleanup.ts';
import { freeHostPort } from '../../../test/support/ports.ts';
import { ContainerGateway } from '../../infra/docker/containers.ts';
import type { Worker } from '../../jobs/index.ts';
import { projectNetworkName } from '../../plan/app-service.ts';
import { databaseVolumeName } from '../../plan/database-service.ts';

const run = promisify(execFile);
const image = (JSON.parse(process.env.BERTH_TEST_DATABASE_IMAGES ?? '{}') as Record<string, string>)['postgres:15'];
const DB = `/api/orgs/acme/projects/life-${randomBytes(2).toString('hex')}/environments/production/databases`;

describe('database lifecycle: external port, limits, version change with a safety backup, restart', { timeout: 600_000, skip: image ? false : 'no PostgreSQL image (BERTH_TEST_DATABASE_IMAGES)' }, () => {
  let t: TestApp;
  let c: Client;
  let worker: Worker;
  let id = '';
  const backups: string[] = [];

  async function waitForStatus(want: string, timeoutMs = 180_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = (await c.get(`${DB}/pg`)).body;
      if (body.status === want) return body;
      if (body.status === 'failed') assert.fail(`failed: ${body.lastError}`);
      if (Date.now() > deadline) assert.fail(`still ${body.status}`);
      await delay(300);
    }
  }

  /** psql on the host, through the published port, with the revealed password in its environment. */
  async function psqlFromHost(port: number, sql: string): Promise<string> {
    const creds = (await c.post(`${DB}/pg/credentials`)).body;
    const { stdout } = await run('psql', ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', creds.user, '-d', creds.database, '-c', sql], {
      env: { ...process.env, PGPASSWORD: creds.password, PGCONNECT_TIMEOUT: '5' },
    });
    return stdout.trim();
  }

  before(async () => {
    t = await testApp({ env: { BERTH_DATABASE_IMAGES: JSON.stringify({ 'postgres:15': image, 'postgres:16': image }) } });
    t.ctx.databaseRuntime.setSafetyBackup(async (serviceId, jobCtx) => {
      // What the backups feature does here: take a dump from the running (old) server.
      const h = await t.ctx.databaseRuntime.open(serviceId);
      const containers = new ContainerGateway({ socketPath: t.ctx.config.BERTH_DOCKER_SOCKET });
      const out = await containers.exec(await h.runningContainerId(), { argv: h.engine.dump(h.credentials), env: h.engine.execEnv(h.credentials) });
      assert.equal(out.exitCode, 0, out.stderr);
      // The row already asks for the new version; what runs (the Swarm service) is still the old one.
      const [running] = await t.ctx.docker.listServices({ labels: { 'berth.service': serviceId } });
      backups.push(`${running?.labels['berth.database.version']}:${out.stdout.includes('life_items') ? 'has-data' : 'empty'}`);
      await jobCtx.log('test safety backup taken');
    });
    worker = t.queue.createWorker({ concurrency: 1, leaseSeconds: 10 });
    await worker.start();
    c = await setupOwner(t.api, t.setupToken);
    assert.equal((await c.post('/api/orgs/acme/projects', { name: DB.split('/')[5] })).status, 201);
  });

  after(async () => {
    if (id) {
      await c.delete(`${DB}/pg`);
      for (let i = 0; i < 300 && (await c.get(`${DB}/pg`)).status !== 404; i++) await delay(200);
    }
    for (const { id: p } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM projects')).rows) {
      await removeNetworkEventually(t.ctx.docker, projectNetworkName(p)).catch(() => undefined);
    }
    await worker.stop();
    await t.close();
  });

  it('publishes the port in host mode only when asked, with limits, and keeps the data through a version change and a restart', async () => {
    const created = await c.post(DB, { name: 'pg', engine: 'postgres', version: '15' });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    id = created.body.id;
    await waitForStatus('running');

    const port = await freeHostPort(26000, 27000);
    const opened = await c.patch(`${DB}/pg`, { externalPort: port, resources: { memoryMb: 256, cpus: 0.5 } });
    assert.equal(opened.status, 202, JSON.stringify(opened.body));
    assert.ok(opened.body.warnings.some((w: string) => w.includes('host mode')));
    await waitForStatus('running');
    // The memory limit reached the container's cgroup (v1 here; v2 elsewhere).
    const h = await t.ctx.databaseRuntime.open(id);
    const containers = new ContainerGateway({ socketPath: t.ctx.config.BERTH_DOCKER_SOCKET });
    const cid = await h.runningContainerId();
    let limit = await containers.exec(cid, { argv: ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'] });
    if (limit.exitCode !== 0) limit = await containers.exec(cid, { argv: ['cat', '/sys/fs/cgroup/memory.max'] });
    assert.equal(limit.stdout.trim(), String(256 * 1024 * 1024));
    await psqlFromHost(port, 'CREATE TABLE life_items (id int); INSERT INTO life_items SELECT generate_series(1, 42);');
    assert.equal(await psqlFromHost(port, 'SELECT count(*) FROM life_items'), '42');
    const tasks = await t.ctx.docker.serviceTasks(`db-${id.replaceAll('-', '').slice(0, 12)}`, { desiredState: 'running' });
    assert.equal(tasks.length, 1);

    const t0 = Date.now();
    const changed = await c.patch(`${DB}/pg`, { version: '16' });
    assert.equal(changed.status, 202);
    const after16 = await waitForStatus('running');
    console.log(`# version change (safety backup + stop-first update) back to healthy in ${Date.now() - t0} ms`);
    assert.equal(after16.version, '16');
    assert.deepEqual(backups, ['15:has-data'], 'the safety backup ran once, on the old version, with the data');
    const log = (await t.ctx.database.pool.query<{ line: string }>('SELECT line FROM job_logs WHERE job_id = $1 ORDER BY seq', [after16.lastJobId])).rows.map((r) => r.line);
    assert.ok(log.some((l) => l.includes('test safety backup taken')), log.join('\n'));
    assert.ok(log.some((l) => l.includes('stop-first')), log.join('\n'));
    assert.equal(await psqlFromHost(port, 'SELECT count(*) FROM life_items'), '42');

    const t1 = Date.now();
    assert.equal((await c.post(`${DB}/pg/restart`)).status, 202);
    await waitForStatus('running');
    console.log(`# restart back to healthy in ${Date.now() - t1} ms`);
    assert.equal(await psqlFromHost(port, 'SELECT count(*) FROM life_items'), '42');

    const closed = await c.patch(`${DB}/pg`, { externalPort: null });
    assert.equal(closed.status, 202);
    await waitForStatus('running');
    await assert.rejects(psqlFromHost(port, 'SELECT 1'), 'the port is closed again');
    // The volume is Berth's (labelled) and still there.
    assert.equal((await containers.requireManagedVolume(databaseVolumeName(id))).name, databaseVolumeName(id));
  });
});
