// A database's life after creation, against real Docker: an external port published in host mode
// (reachable from the host with the revealed password) and closed again, resource limits in the
// container's cgroup, a PostgreSQL major change refused (its data directory cannot be opened), a MariaDB
// version change that calls the safety-backup hook on the old server first and updates stop-first, a
// restart, downgrades refused — and the data survives all of it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Readable } from 'node:stream';
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
const images = JSON.parse(process.env.BERTH_TEST_DATABASE_IMAGES ?? '{}') as Record<string, string>;
const image = images['postgres:15'];
const mariadb = images['mariadb:10.11'];
const DB = `/api/orgs/acme/projects/life-${randomBytes(2).toString('hex')}/environments/production/databases`;

describe('database lifecycle: external port, limits, version changes (refused across PostgreSQL majors; MariaDB in place with a safety backup), restart', { timeout: 600_000, skip: image ? false : 'no PostgreSQL image (BERTH_TEST_DATABASE_IMAGES)' }, () => {
  let t: TestApp;
  let c: Client;
  let worker: Worker;
  let id = '';
  let mariaId = '';
  const backups: string[] = [];

  async function waitForStatus(want: string, name = 'pg', timeoutMs = 180_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = (await c.get(`${DB}/${name}`)).body;
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
    // Both MariaDB versions run the test bed's one image: what is tested is Berth's handling of the change.
    t = await testApp({ env: { BERTH_DATABASE_IMAGES: JSON.stringify({ 'postgres:15': image, 'mariadb:10.11': mariadb ?? 'none', 'mariadb:11': mariadb ?? 'none' }) } });
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
    for (const [name, set] of [['pg', id], ['maria', mariaId]]) {
      if (!set) continue;
      await c.delete(`${DB}/${name}`);
      for (let i = 0; i < 300 && (await c.get(`${DB}/${name}`)).status !== 404; i++) await delay(200);
    }
    for (const { id: p } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM projects')).rows) {
      await removeNetworkEventually(t.ctx.docker, projectNetworkName(p)).catch(() => undefined);
    }
    await worker.stop();
    await t.close();
  });

  it('publishes the port in host mode only when asked, with limits; refuses a PostgreSQL major change; keeps the data through a restart', async () => {
    const created = await c.post(DB, { name: 'pg', engine: 'postgres', version: '15' });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    id = created.body.id;
    await waitForStatus('running');

    const port = await freeHostPort(26000, 27000);
    const opened = await c.patch(`${DB}/pg`, { externalPort: port, resources: { memoryMb: 256, cpus: 0.5 } });
    assert.equal(opened.status, 202, JSON.stringify(opened.body));
    assert.ok(opened.body.warnings.some((w: string) => w.includes('host mode')));
    await waitForStatus('running');
    // Pinned to the node holding its volume (a local volume does not follow a task elsewhere).
    const [svc] = await t.ctx.docker.listServices({ labels: { 'berth.service': id } });
    const placement = svc?.spec.TaskTemplate && 'Placement' in svc.spec.TaskTemplate ? svc.spec.TaskTemplate.Placement?.Constraints : undefined;
    assert.deepEqual(placement, [`node.id==${(await t.ctx.docker.info()).swarm.nodeId}`]);
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

    const refused = await c.patch(`${DB}/pg`, { version: '16' });
    assert.equal(refused.status, 400, 'PostgreSQL cannot open another major version\'s data directory');
    assert.match(JSON.stringify(refused.body), /body\/version.*restore a backup/);
    assert.equal((await c.get(`${DB}/pg`)).body.version, '15');

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

  it('changes MariaDB 10.11 → 11 in place: safety backup on the old server first, stop-first, data kept', { skip: mariadb ? false : 'no MariaDB image' }, async () => {
    const created = await c.post(DB, { name: 'maria', engine: 'mariadb', version: '10.11' });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    mariaId = created.body.id;
    await waitForStatus('running', 'maria');
    const h = await t.ctx.databaseRuntime.open(mariaId);
    const containers = new ContainerGateway({ socketPath: t.ctx.config.BERTH_DOCKER_SOCKET });
    const sql = async (statement: string) => {
      const cmd = h.engine.client!(h.credentials, '127.0.0.1', h.engine.port);
      const out = await containers.execWithInput(await h.runningContainerId(), { argv: cmd.argv, env: cmd.env, stdin: Readable.from([Buffer.from(statement)]) });
      assert.equal(out.exitCode, 0, out.stderr);
      return out.stdout.trim();
    };
    await sql('CREATE TABLE life_items (id int); INSERT INTO life_items VALUES (1), (2), (3);');
    const t0 = Date.now();
    const changed = await c.patch(`${DB}/maria`, { version: '11' });
    assert.equal(changed.status, 202, JSON.stringify(changed.body));
    const after11 = await waitForStatus('running', 'maria');
    console.log(`# version change (safety backup + stop-first update) back to healthy in ${Date.now() - t0} ms`);
    assert.equal(after11.version, '11');
    assert.deepEqual(backups, ['10.11:has-data'], 'the safety backup ran once, on the old server, with the data');
    const log = (await t.ctx.database.pool.query<{ line: string }>('SELECT line FROM job_logs WHERE job_id = $1 ORDER BY seq', [after11.lastJobId])).rows.map((r) => r.line);
    assert.ok(log.some((l) => l.includes('test safety backup taken')), log.join('\n'));
    assert.ok(log.some((l) => l.includes('stop-first')), log.join('\n'));
    const [svc] = await t.ctx.docker.listServices({ labels: { 'berth.service': mariaId } });
    assert.equal(svc?.labels['berth.database.version'], '11');
    assert.equal(await sql('SELECT count(*) FROM life_items;'), '3');
    const down = await c.patch(`${DB}/maria`, { version: '10.11' });
    assert.equal(down.status, 400, 'no downgrade in place');
  });
});
