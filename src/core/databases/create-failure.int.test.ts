// A database whose creation fails leaves nothing half-created in Docker: the job removes the Swarm
// service and the volume, and the database is `failed` with the reason.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { testApp, type TestApp } from '../../../test/support/app.ts';
import { setupOwner, type Client } from '../../../test/support/client.ts';
import { removeNetworkEventually } from '../../../test/support/docker-cleanup.ts';
import { ContainerGateway } from '../../infra/docker/containers.ts';
import type { Worker } from '../../jobs/index.ts';
import { projectNetworkName } from '../../plan/app-service.ts';
import { databaseVolumeName } from '../../plan/database-service.ts';

const DB = '/api/orgs/acme/projects/broken/environments/production/databases';

describe('database creation failure', { timeout: 300_000 }, () => {
  let t: TestApp;
  let c: Client;
  let worker: Worker;

  before(async () => {
    // An image no node has and no registry serves: the task is rejected.
    t = await testApp({ env: { BERTH_DATABASE_IMAGES: JSON.stringify({ 'postgres:16': 'berth/no-such-image:1' }) } });
    worker = t.queue.createWorker({ concurrency: 1, leaseSeconds: 10 });
    await worker.start();
    c = await setupOwner(t.api, t.setupToken);
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'broken' })).status, 201);
  });
  after(async () => {
    for (const { id } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM projects')).rows) {
      await removeNetworkEventually(t.ctx.docker, projectNetworkName(id)).catch(() => undefined);
    }
    await worker.stop();
    await t.close();
  });

  it('fails with the reason and removes the service and the volume', async () => {
    const res = await c.post(DB, { name: 'pg', engine: 'postgres' });
    assert.equal(res.status, 202);
    let view = res.body;
    for (let i = 0; view.status === 'creating' && i < 900; i++) {
      await delay(200);
      view = (await c.get(`${DB}/pg`)).body;
    }
    assert.equal(view.status, 'failed', JSON.stringify(view));
    assert.ok(view.lastError, 'the reason is stored');
    assert.equal((await t.ctx.docker.listServices({ labels: { 'berth.service': view.id } })).length, 0);
    const containers = new ContainerGateway({ socketPath: t.ctx.config.BERTH_DOCKER_SOCKET });
    await assert.rejects(containers.requireManagedVolume(databaseVolumeName(view.id)), /not found|no such volume|404/i);
    const log = (await t.ctx.database.pool.query<{ line: string }>('SELECT line FROM job_logs WHERE job_id = $1 ORDER BY seq', [view.lastJobId])).rows.map((r) => r.line);
    assert.ok(log.some((l) => l.includes('removing the Swarm service and the volume')), log.join('\n'));
  });
});
