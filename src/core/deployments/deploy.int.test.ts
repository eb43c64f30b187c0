// The whole deploy path against real infrastructure: a local git repository → fetch → Dockerfile build
// through the Engine API → a Swarm release gated on its health check → Berth's DNS switch behind real
// Caddy → drain → the old release stopped. A load generator keeps keep-alive traffic (fast requests and
// 2-second ones) on the route during redeploys, a failing release, a rollback and a cancelled build,
// and counts every request: none may fail. Durations are printed, never asserted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startLoad, type LoadReport, type RunningLoad } from '../ingress/http-load.test-support.ts';
import type { Worker } from '../../jobs/index.ts';
import { removeNetworkEventually } from '../../../test/support/docker-cleanup.ts';
import { publishChallenge, withdrawChallenge } from '../certificates/challenge-server.ts';
import { projectNetworkName } from '../../plan/app-service.ts';
import { testApp, type TestApp } from '../../../test/support/app.ts';
import { setupOwner, type Client } from '../../../test/support/client.ts';
import { TestRepo } from '../../../test/support/git-repo.ts';
import { freeHostPort } from '../../../test/support/ports.ts';
import { getWithHost } from '../../../test/support/host-request.ts';

const run = randomBytes(3).toString('hex');
const host = `web-${run}.example.test`;
const SVC = '/api/orgs/acme/projects/shop/environments/production/services/web';

// Each port is remembered: two calls in one file never hand out the same one.
const taken: number[] = [];
const freePort = async () => {
  const port = await freeHostPort(21000, 22000, taken);
  taken.push(port);
  return port;
};

describe('deploy pipeline end to end (git → build → Swarm → Caddy)', { timeout: 900_000 }, () => {
  let t: TestApp;
  let c: Client;
  let repo: TestRepo;
  let worker: Worker;
  let httpPort: number;
  const firstDeployment: string[] = [];

  /** GET through the proxy's published port with a chosen Host header (fetch() cannot set one). */
  const get = (path = '/', hostHeader = host) => getWithHost(httpPort, hostHeader, path);
  const versionServed = async () => JSON.parse((await get()).body).version as string;

  /** Starts a deployment (or a rollback) and waits until it ends. */
  async function deployAndWait(start: () => Promise<{ status: number; body: { id: string } }>, timeoutMs = 240_000) {
    const res = await start();
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = (await c.get(`${SVC}/deployments/${res.body.id}`)).body;
      if (['succeeded', 'failed', 'cancelled'].includes(d.status)) return d;
      if (Date.now() > deadline) throw new Error(`deployment ${res.body.id} still ${d.status}`);
      await delay(300);
    }
  }
  const deploy = () => deployAndWait(() => c.post(`${SVC}/deployments`));
  const logOf = async (id: string) => ((await c.get(`${SVC}/deployments/${id}/logs`)).body.lines as { line: string }[]).map((l) => l.line).join('\n');

  function load(): RunningLoad {
    return startLoad({ port: httpPort, host, fastWorkers: 6, fastPauseMs: 30, slowWorkers: 3, slowDelayMs: 2000, maxDurationMs: 600_000, maxRequests: 500_000 });
  }
  function assertNoFailures(name: string, report: LoadReport) {
    console.log(`${name}: ${report.requests} requests in ${Math.round(report.durationMs)} ms (${Math.round(report.requestsPerSecond)}/s), ${report.ok} ok, ${report.non200} non-200, errors ${JSON.stringify(report.errors)}`);
    assert.equal(report.non200, 0, `${name}: non-200 responses`);
    assert.deepEqual(report.errors, {}, `${name}: failed requests`);
    assert.equal(report.ok, report.requests);
    assert.ok(report.samples.some((s) => s.slow && s.status === 200), `${name}: 2-second requests completed`);
  }

  before(async () => {
    httpPort = await freePort();
    t = await testApp({
      env: {
        BERTH_PROXY_SERVICE: `bt-${run}-proxy`,
        BERTH_PROXY_HTTP_PORT: String(httpPort),
        BERTH_PROXY_HTTPS_PORT: String(await freePort()),
        BERTH_PROXY_IMAGE: process.env.BERTH_PROXY_IMAGE ?? 'berth/caddy:2',
        BERTH_BUILD_CPUS: '1',
        BERTH_BUILD_MEMORY_MB: '512',
        BERTH_KEEP_IMAGES: '10',
      },
    });
    await t.platform.start();
    worker = t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
    await worker.start();
    repo = await TestRepo.create();
    c = await setupOwner(t.api, t.setupToken);
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    const svc = await c.post('/api/orgs/acme/projects/shop/environments/production/services', {
      name: 'web',
      kind: 'app',
      spec: { source: { type: 'git', repository: repo.dir, ref: 'main' }, port: 8080, replicas: 2, stopGracePeriodSeconds: 10 },
      env: [{ key: 'GREETING', value: 'hello' }, { key: 'API_TOKEN', value: 'tok-secret', secret: true }],
    });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    const domain = await c.post(`${SVC}/domains`, { host });
    assert.equal(domain.status, 201, JSON.stringify(domain.body));
  });

  after(async () => {
    await worker?.stop({ graceMs: 1000 });
    const docker = t?.ctx.docker;
    if (docker) {
      const services = (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM services')).rows;
      for (const { id } of services) {
        for (const s of await docker.listServices({ labels: { 'berth.service': id } })) await docker.removeService(s.name);
      }
      await docker.removeService(`bt-${run}-proxy`).catch(() => undefined);
      for (const { id } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM projects')).rows) {
        await removeNetworkEventually(docker, projectNetworkName(id)).catch(() => undefined);
      }
    }
    await t?.close();
    repo?.remove();
  });

  it('deploys v1 from the git repository: 200 through the ingress with the Host header, body says v1', async () => {
    const d = await deploy();
    assert.equal(d.status, 'succeeded', `${d.reason}\n${await logOf(d.id)}`);
    firstDeployment.push(d.id);
    console.log(`first deploy steps (ms): ${JSON.stringify(d.steps)}`);
    assert.equal(d.commitSha, await repo.git('rev-parse', 'HEAD'));
    assert.equal(d.commitAuthor, 'Berth Test');
    const res = await get();
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).version, 'v1');
    const status = (await c.get(`${SVC}/status`)).body;
    assert.equal(status.state, 'running');
    assert.deepEqual(status.replicas, { desired: 2, healthy: 2 });
    assert.equal((await get('/', 'unknown.example.test')).status, 404, 'an unknown host gets an explicit 404');
    // HTTP-01: the proxy hands /.well-known/acme-challenge/ to the control plane's listener, never the app.
    await publishChallenge(t.ctx.database.db, 'deploy-test-token', 'deploy-test-token.thumbprint');
    const challenge = await get('/.well-known/acme-challenge/deploy-test-token');
    assert.deepEqual(challenge, { status: 200, body: 'deploy-test-token.thumbprint' });
    assert.equal((await get('/.well-known/acme-challenge/unknown-token')).status, 404);
    await withdrawChallenge(t.ctx.database.db, 'deploy-test-token');
  });

  it('redeploys v2 five times under keep-alive load with zero failed requests', async () => {
    await repo.commit('v2', 'v2: the second version');
    const traffic = load();
    for (let i = 0; i < 5; i++) {
      const d = await deploy();
      assert.equal(d.status, 'succeeded', `redeploy ${i + 1}: ${d.reason}\n${await logOf(d.id)}`);
      console.log(`redeploy ${i + 1} steps (ms): ${JSON.stringify(d.steps)}`);
      assert.equal(await versionServed(), 'v2');
    }
    const report = await traffic.stop();
    assertNoFailures('5 redeploys', report);
    assert.ok(report.samples.some((s) => s.version === 'v1') && report.samples.some((s) => s.version === 'v2'), 'the body switched from v1 to v2 under load');
    const releases = await t.ctx.docker.listServices({ labels: { 'berth.service': (await c.get(SVC)).body.id } });
    assert.equal(releases.length, 1, 'old releases are stopped');
  });

  it('a v3 whose health check fails gets no traffic: the deployment fails with the reason, v2 keeps serving', async () => {
    await repo.commit('v3-unhealthy', 'v3: broken health');
    const traffic = load();
    const d = await deploy();
    const report = await traffic.stop();
    assert.equal(d.status, 'failed');
    assert.match(d.reason, /never became healthy/);
    const log = await logOf(d.id);
    assert.match(log, /health check/);
    assert.match(log, /refuses to serve|healthz -> 500/, 'the health check output is in the log');
    assert.equal(await versionServed(), 'v2');
    assertNoFailures('failed v3', report);
    assert.ok(report.samples.every((s) => s.version !== 'v3-unhealthy'));
  });

  it('rolls back to v1 from the kept image: no build step, zero failed requests', async () => {
    const traffic = load();
    const d = await deployAndWait(() => c.post(`${SVC}/rollback`, { to: firstDeployment[0] }));
    const report = await traffic.stop();
    assert.equal(d.status, 'succeeded', `${d.reason}\n${await logOf(d.id)}`);
    assert.equal(d.kind, 'rollback');
    assert.equal(d.steps.build, undefined, 'no build step ran');
    assert.equal(d.steps.fetch, undefined, 'no fetch step ran');
    assert.match(await logOf(d.id), /no build/);
    assert.equal(await versionServed(), 'v1');
    assertNoFailures('rollback', report);
  });

  it('cancel during a build stops it within seconds; the live version keeps serving', async () => {
    await repo.commit('v4-slow', 'v4: slow build', { Dockerfile: 'FROM berth/node:20\nRUN sleep 120\nCOPY server.mjs health.mjs VERSION /srv/\nCMD ["node", "/srv/server.mjs"]\n' });
    const started = await c.post(`${SVC}/deployments`);
    assert.equal(started.status, 202);
    const id = started.body.id as string;
    for (let i = 0; i < 300 && !/RUN sleep 120|Step 2\/4/.test(await logOf(id)); i++) await delay(200);
    const t0 = performance.now();
    const cancel = await c.post(`${SVC}/deployments/${id}/cancel`);
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    let d = cancel.body;
    for (let i = 0; i < 150 && d.status !== 'cancelled'; i++) {
      await delay(200);
      d = (await c.get(`${SVC}/deployments/${id}`)).body;
    }
    console.log(`cancel took ${Math.round(performance.now() - t0)} ms`);
    assert.equal(d.status, 'cancelled');
    assert.equal(await versionServed(), 'v1');
  });
});
