// A control plane killed with SIGKILL in the middle of a build: the app keeps serving through the crash
// (Caddy and the `berth dns` process do not depend on it), and after a restart the interrupted
// deployment is failed with a reason once its lease expires — nothing stays "running".
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DockerGateway } from '../../infra/docker/index.ts';
import { removeNetworkEventually } from '../../../test/support/docker-cleanup.ts';
import { projectNetworkName } from '../../plan/app-service.ts';
import { testDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { TestRepo } from '../../../test/support/git-repo.ts';
import { berthServerEnv, setupOverHttp } from '../../../test/support/http-setup.ts';
import { freeHostPort } from '../../../test/support/ports.ts';

const run = randomBytes(3).toString('hex');
const host = `crash-${run}.example.test`;
const BIN = new URL('../../../bin/berth.js', import.meta.url).pathname;

// Each port is remembered: two calls in one file never hand out the same one.
const taken: number[] = [];
const freePort = async () => {
  const port = await freeHostPort(19000, 20000, taken);
  taken.push(port);
  return port;
};

describe('control plane killed during a build', { timeout: 600_000 }, () => {
  let db: TestDatabase;
  let repo: TestRepo;
  let dataDir: string;
  let server: ChildProcess | undefined;
  let api: string;
  let key: string;
  let proxyPort: number;
  let env: NodeJS.ProcessEnv;
  const docker = new DockerGateway({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  const SVC = '/api/orgs/acme/projects/shop/environments/production/services/web';

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(api + path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
  const viaProxy = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: proxyPort, path: '/', headers: { host }, agent: false }, (res) => {
        let body = '';
        res.on('data', (b: Buffer) => (body += b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  async function startServer(): Promise<void> {
    server = spawn(process.execPath, [BIN, 'server'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    for (let i = 0; i < 600; i++) {
      const health = await fetch(`${api}/api/health`).then((r) => r.json() as Promise<{ proxy: { ok: boolean } }>).catch(() => undefined);
      if (health?.proxy.ok) return;
      await delay(100);
    }
    throw new Error('the server did not become healthy with its ingress');
  }

  async function waitDeployment(id: string, until: (d: { status: string }) => boolean, timeoutMs = 180_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = (await call('GET', `${SVC}/deployments/${id}`)).body;
      if (until(d)) return d;
      if (Date.now() > deadline) throw new Error(`deployment ${id}: still ${d.status}`);
      await delay(300);
    }
  }

  before(async () => {
    db = await testDatabase();
    repo = await TestRepo.create();
    dataDir = mkdtempSync(join(tmpdir(), 'berth-crash-'));
    const port = await freePort();
    proxyPort = await freePort();
    api = `http://127.0.0.1:${port}`;
    env = berthServerEnv({ databaseUrl: db.url, dataDir, port }, {
      BERTH_JOB_LEASE_SECONDS: '3',
      BERTH_PROXY_SERVICE: `bt-${run}-proxy`,
      BERTH_PROXY_HTTP_PORT: String(proxyPort),
      BERTH_PROXY_HTTPS_PORT: String(await freePort()),
      BERTH_PROXY_IMAGE: process.env.BERTH_PROXY_IMAGE ?? 'berth/caddy:2',
      BERTH_DNS_PORT: '0',
    });
    await startServer();
    ({ apiKey: key } = await setupOverHttp({ api, dataDir, keyName: 'test' }));
    assert.equal((await call('POST', '/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    const svc = await call('POST', '/api/orgs/acme/projects/shop/environments/production/services', { name: 'web', kind: 'app', spec: { source: { type: 'git', repository: repo.dir, ref: 'main' }, port: 8080 } });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    assert.equal((await call('POST', `${SVC}/domains`, { host })).status, 201);
  });

  after(async () => {
    server?.kill('SIGTERM');
    const id = (await db.pool.query<{ id: string }>('SELECT id FROM services').catch(() => ({ rows: [] }))).rows[0]?.id;
    if (id) for (const s of await docker.listServices({ labels: { 'berth.service': id } })) await docker.removeService(s.name);
    await docker.removeService(`bt-${run}-proxy`).catch(() => undefined);
    for (const { id: projectId } of (await db.pool.query<{ id: string }>('SELECT id FROM projects').catch(() => ({ rows: [] }))).rows) {
      await removeNetworkEventually(docker, projectNetworkName(projectId)).catch(() => undefined);
    }
    try {
      const info = JSON.parse(readFileSync(join(dataDir, 'dns', `bt-${run}-proxy`, 'dns.json'), 'utf8')) as { pid: number };
      process.kill(info.pid, 'SIGTERM');
    } catch {
      /* not started */
    }
    await db.drop();
    repo.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps serving through a SIGKILL mid-build, and fails the interrupted deployment with a reason after restart', async () => {
    const first = await call('POST', `${SVC}/deployments`);
    assert.equal(first.status, 202);
    const v1 = await waitDeployment(first.body.id, (d) => ['succeeded', 'failed'].includes(d.status));
    assert.equal(v1.status, 'succeeded', v1.reason);
    assert.equal(JSON.parse((await viaProxy()).body).version, 'v1');

    await repo.commit('v2-slow', 'v2: slow build', { Dockerfile: 'FROM berth/node:20\nRUN sleep 90\nCOPY server.mjs health.mjs VERSION /srv/\nCMD ["node", "/srv/server.mjs"]\n' });
    const second = await call('POST', `${SVC}/deployments`);
    for (let i = 0; i < 300; i++) {
      const lines = (await call('GET', `${SVC}/deployments/${second.body.id}/logs`)).body.lines as { line: string }[];
      if (lines.some((l) => l.line.includes('RUN sleep 90'))) break;
      await delay(200);
    }
    server!.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));

    // Down: the proxy and the DNS process still route to v1.
    for (let i = 0; i < 5; i++) {
      const res = await viaProxy();
      assert.equal(res.status, 200, `while the control plane is down: ${res.status} ${res.body}`);
      assert.equal(JSON.parse(res.body).version, 'v1');
      await delay(500);
    }

    await startServer();
    const d = await waitDeployment(second.body.id, (x) => !['queued', 'running'].includes(x.status), 120_000);
    assert.equal(d.status, 'failed');
    assert.match(d.reason, /stopped responding|lease expired/);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM jobs WHERE state = 'running'");
    assert.equal(rows[0].n, 0, 'no job is left running');
    assert.equal(JSON.parse((await viaProxy()).body).version, 'v1', 'the app still serves after the restart');
    const status = (await call('GET', `${SVC}/status`)).body;
    assert.equal(status.state, 'running');
  });
});
