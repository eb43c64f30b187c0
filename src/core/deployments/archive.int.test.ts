// Deploy from an uploaded archive against real Docker: test/fixtures/version-app packed as a .tar.gz,
// uploaded over the API, extracted by the pipeline, built through the Engine API and released to Swarm
// where its health check passes. No domain, so no ingress: the release is checked through its tasks.
// A hostile archive (a member named ../escape.txt) fails the deployment naming that member, and
// writes nothing outside. Needs scripts/testbed/up.sh (berth/node:20).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createGzip } from 'node:zlib';
import tarFs from 'tar-fs';
import type { Worker } from '../../jobs/index.ts';
import { removeDeployedApps } from '../../../test/support/docker-cleanup.ts';
import { testApp, type TestApp } from '../../../test/support/app.ts';
import { setupOwner, type Client } from '../../../test/support/client.ts';
import { craftedTarGz } from '../../../test/support/tar.ts';

const FIXTURE = resolve(import.meta.dirname, '../../../test/fixtures/version-app');
const SVC = '/api/orgs/acme/projects/shop/environments/production/services/site';

/** The fixture directory as a .tar.gz, in memory (small). */
async function packFixture(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const gz = (tarFs.pack(FIXTURE) as unknown as Readable).pipe(createGzip());
  for await (const chunk of gz) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A .tar.gz written header by header, so it can hold what tar tools refuse to write. */

describe('deploy from an uploaded archive (extract → build → Swarm)', { timeout: 600_000 }, () => {
  let t: TestApp;
  let c: Client;
  let worker: Worker;
  let serviceId = '';
  const run = randomBytes(3).toString('hex');

  const upload = (body: Buffer) => c.request('POST', `${SVC}/archive`, body, { 'content-type': 'application/gzip' });
  async function waitUntilDone(id: string, timeoutMs = 240_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = (await c.get(`${SVC}/deployments/${id}`)).body;
      if (['succeeded', 'failed', 'cancelled'].includes(d.status)) return d;
      if (Date.now() > deadline) throw new Error(`deployment ${id} still ${d.status}`);
      await delay(300);
    }
  }
  const logOf = async (id: string) => ((await c.get(`${SVC}/deployments/${id}/logs`)).body.lines as { line: string }[]).map((l) => l.line).join('\n');

  before(async () => {
    t = await testApp({ env: { BERTH_BUILD_CPUS: '1', BERTH_BUILD_MEMORY_MB: '512', BERTH_MAX_UPLOAD_MB: '5' } });
    worker = t.queue.createWorker({ concurrency: 1, leaseSeconds: 10 });
    await worker.start();
    c = await setupOwner(t.api, t.setupToken);
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    const svc = await c.post('/api/orgs/acme/projects/shop/environments/production/services', {
      name: 'site',
      kind: 'app',
      spec: { source: { type: 'archive' }, port: 8080 },
      env: [{ key: 'RUN', value: run }],
    });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    serviceId = svc.body.id;
  });

  after(async () => {
    await worker?.stop({ graceMs: 1000 });
    const docker = t?.ctx.docker;
    if (docker) await removeDeployedApps(docker, t.ctx.database.pool);
    await t?.close();
  });

  it('uploads the version app, builds it and releases it: succeeded, a healthy Swarm task, upload and extraction removed', async () => {
    const res = await upload(await packFixture());
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const d = await waitUntilDone(res.body.id);
    const log = await logOf(d.id);
    assert.equal(d.status, 'succeeded', `${d.reason}\n${log}`);
    console.log(`archive deploy steps (ms): ${JSON.stringify(d.steps)}`);
    assert.deepEqual(Object.keys(d.steps).sort(), ['build', 'extract', 'release', 'retire'], 'jsonb does not keep the order');
    assert.match(log, /extracted \d+ entries \(\d+ bytes\) from the uploaded tar\.gz archive/);
    assert.ok(d.releaseName, 'the release is recorded');
    const tasks = (await t.ctx.docker.serviceTasks(d.releaseName)).filter((x) => x.desiredState === 'running');
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0]!.state, 'running');
    assert.equal(tasks[0]!.health, 'healthy');
    const status = (await c.get(`${SVC}/status`)).body;
    assert.equal(status.state, 'running');
    assert.deepEqual(readdirSync(join(t.dataDir, 'archives', serviceId)), [], 'the archive and its extraction are removed after the build');
  });

  it('an archive with a member escaping the root fails the deployment naming it; nothing written outside; the live release keeps running', async () => {
    const live = (await c.get(`${SVC}/status`)).body.current.releaseName as string;
    const res = await upload(craftedTarGz([{ name: 'Dockerfile', body: 'FROM berth/node:20\n' }, { name: '../escape.txt', body: 'pwned' }]));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const d = await waitUntilDone(res.body.id);
    assert.equal(d.status, 'failed', await logOf(d.id));
    assert.match(d.reason, /the uploaded archive was rejected: .*"\.\.\/escape\.txt"/);
    assert.deepEqual(Object.keys(d.steps), ['extract']);
    assert.match(await logOf(d.id), /failed: the uploaded archive was rejected/);
    const dir = join(t.dataDir, 'archives', serviceId);
    assert.ok(!existsSync(join(dir, 'escape.txt')) && !existsSync(join(t.dataDir, 'archives', 'escape.txt')), 'nothing escaped');
    assert.deepEqual(readdirSync(dir), [], 'the rejected archive and its partial extraction are removed');
    const status = (await c.get(`${SVC}/status`)).body;
    assert.equal(status.current.releaseName, live);
    assert.equal(status.state, 'running');
  });
});
