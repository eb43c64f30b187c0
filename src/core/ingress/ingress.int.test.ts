// The ingress against real infrastructure (scripts/testbed/up.sh, then `source .cache/testbed.env`):
// Caddy as a Swarm service driven through its admin socket, Berth's DNS server on the docker_gwbridge
// address, and two releases of berth/test-http. Switches v1 → v2 under keep-alive load and counts every
// request. Everything created is labelled berth.test=true and removed at the end; traffic goes only to
// 127.0.0.1 and to the containers created here. Durations are printed, never asserted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DockerGateway, PLATFORM_NETWORKS, type ServiceSpec } from '../../infra/docker/index.ts';
import { DnsServer } from '../../infra/dns/index.ts';
import { ProxyAdminError, proxyDnsHost } from '../../infra/proxy/index.ts';
import { sameCaddyConfig } from '../../plan/caddy.ts';
import { planRoutes } from '../../plan/routes.ts';
import { waitFor } from '../../../test/support/async.ts';
import { freeHostPort } from '../../../test/support/ports.ts';
import { startLoad } from './http-load.test-support.ts';
import { Ingress } from './index.ts';

const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
const httpImage = process.env.BERTH_TEST_IMAGE_HTTP ?? 'berth/test-http:latest';
const proxyImage = process.env.BERTH_PROXY_IMAGE ?? 'berth/caddy:2';
const run = randomBytes(3).toString('hex');
const labels = { 'berth.test': 'true', 'berth.run': run };
const names = { proxy: `bt-${run}-proxy`, v1: `bt-${run}-web-v1`, v2: `bt-${run}-web-v2` };
const upstream = `web-${run}.upstream.berth`;
const appHost = `app-${run}.example.test`;
const REPLICAS = 2;
/** bcrypt of "secret" at cost 4 (cheap to check). */
const SECRET_HASH = '$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW';

const docker = new DockerGateway({ socketPath });
let dns: DnsServer;
let ingress: Ingress;
let adminSocketDir: string;
let httpPort = 0;
let ingressNetworkCreated = false;
const ips: Record<'v1' | 'v2', string[]> = { v1: [], v2: [] };

/** A free host port in 18000–18999 (80 may be taken on a developer machine). */
const freePort = (avoid: number[] = []) => freeHostPort(18000, 19000, avoid);

function webSpec(name: string, version: string): ServiceSpec {
  return {
    Name: name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: httpImage,
        Env: [`APP_VERSION=${version}`],
        Healthcheck: {
          Test: ['CMD', 'node', '-e', "require('http').get('http://127.0.0.1:8080/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"],
          Interval: 1e9,
          Timeout: 3e9,
          Retries: 3,
        },
        StopGracePeriod: 5e9,
      },
      Networks: [{ Target: PLATFORM_NETWORKS.ingress.name }],
    },
    Mode: { Replicated: { Replicas: REPLICAS } },
    EndpointSpec: { Mode: 'dnsrr' },
  };
}

/** The healthy tasks' addresses on the ingress network, once all replicas are healthy. */
async function healthyIps(name: string): Promise<string[]> {
  return waitFor(`${name} healthy`, async () => {
    const tasks = await docker.serviceTasks(name, { desiredState: 'running' });
    const healthy = tasks.filter((task) => task.state === 'running' && task.health === 'healthy');
    if (healthy.length < REPLICAS) return undefined;
    return healthy.flatMap((task) => task.addresses.filter((a) => a.networkName === PLATFORM_NETWORKS.ingress.name).map((a) => a.ip)).sort();
  });
}

function get(path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpPort, path, headers: { ...headers, host }, agent: false, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function proxyVersion(): Promise<number> {
  const [service] = await docker.listServices({ labels: { 'berth.run': run, 'berth.kind': 'proxy' } });
  assert.ok(service, 'proxy service listed');
  return service.version;
}

const routes = () => planRoutes({ domains: [{ host: appHost, upstream: { name: upstream, port: 8080 } }] });

before(async () => {
  await docker.ping();
  const before = await docker.ensureNetwork(PLATFORM_NETWORKS.ingress);
  ingressNetworkCreated = before.action === 'created';
  adminSocketDir = await mkdtemp(join(tmpdir(), `berth-proxy-${run}-`));
  dns = new DnsServer({ host: await proxyDnsHost(docker), port: 0 });
  await dns.start();
  httpPort = Number(process.env.BERTH_TEST_PROXY_HTTP_PORT) || (await freePort());
  const httpsPort = await freePort([httpPort]);
  ingress = new Ingress({ docker, image: proxyImage, adminSocketDir, dns, serviceName: names.proxy, ports: { http: httpPort, https: httpsPort }, labels });
  await Promise.all([docker.ensureService(webSpec(names.v1, 'v1')), docker.ensureService(webSpec(names.v2, 'v2'))]);
  console.log(`# proxy ${names.proxy} on 127.0.0.1:${httpPort}, DNS ${dns.resolverAddress()}, upstream ${upstream}`);
});

after(async () => {
  for (const name of [names.proxy, names.v1, names.v2]) await docker.removeService(name).catch((err) => console.log(`# cleanup ${name}: ${err}`));
  await dns?.stop();
  if (adminSocketDir) await rm(adminSocketDir, { recursive: true, force: true });
  if (ingressNetworkCreated) {
    // Only if this test created it and nothing else uses it; tasks take a moment to leave it.
    await waitFor('ingress network removal', async () => docker.removeNetwork(PLATFORM_NETWORKS.ingress.name).catch(() => undefined), 20_000).catch(() => undefined);
  }
});

describe('Ingress with real Caddy', () => {
  it('ensureProxy creates the proxy service, and a second run changes nothing', async () => {
    const first = await ingress.ensureProxy();
    assert.ok(first.action === 'created' || first.action === 'updated', first.action);
    console.log(`# ensureProxy: ${first.action}, admin API answering after ${first.readyMs} ms`);
    const version = await proxyVersion();
    const second = await ingress.ensureProxy();
    assert.equal(second.action, 'unchanged');
    assert.deepEqual(second.changes, []);
    assert.equal(await proxyVersion(), version, 'service version unchanged');
  });

  it('applyRoutes loads the table once; the second push is skipped and the config stays the same', async () => {
    ips.v1 = await healthyIps(names.v1);
    ingress.publish(upstream, ips.v1);
    const first = await ingress.applyRoutes(routes());
    assert.equal(first.action, 'loaded');
    const running = await ingress.admin.config();
    assert.ok(sameCaddyConfig(running, ingress.render(routes())));
    const second = await ingress.applyRoutes(routes());
    assert.equal(second.action, 'unchanged');
    assert.deepEqual(await ingress.admin.config(), running);
    assert.equal((await ingress.ensureProxy()).action, 'unchanged');
  });

  it('routes the host to v1 and answers 404 for an unknown host', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const response = await get('/', appHost);
      assert.equal(response.status, 200);
      const body = JSON.parse(response.body) as { version: string; hostname: string };
      assert.equal(body.version, 'v1');
      seen.add(body.hostname);
    }
    console.log(`# v1 answered from ${seen.size} of ${REPLICAS} tasks`);
    const unknown = await get('/', `nobody-${run}.example.test`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body, 'Not Found\n');
    assert.equal((await get('/', `${appHost}:${httpPort}`)).status, 200, 'a Host header with a port matches too');
  });

  it('repairDrift re-pushes a config someone else changed, and only then', async () => {
    await ingress.admin.load(ingress.render(planRoutes({ domains: [] })));
    assert.equal((await get('/', appHost)).status, 404);
    assert.deepEqual(await ingress.repairDrift(), { action: 'loaded' });
    assert.deepEqual(await ingress.repairDrift(), { action: 'unchanged' });
    assert.equal((await get('/', appHost)).status, 200);
  });

  it('switches v1 → v2 under keep-alive load with zero failed requests, then v1 is removed', async () => {
    ips.v2 = await healthyIps(names.v2);
    const configBefore = await ingress.admin.config();
    const load = startLoad({
      port: httpPort, host: appHost,
      fastWorkers: 6, fastPauseMs: 40, slowWorkers: 3, slowDelayMs: 2000,
      maxDurationMs: 60_000, maxRequests: 20_000,
    });
    await delay(1500);
    const switchStarted = performance.now();
    const result = await ingress.switchTo({ name: upstream, newIps: ips.v2, oldIps: ips.v1 });
    const switchEnded = performance.now();
    const removeStarted = performance.now();
    assert.equal(await docker.removeService(names.v1), 'removed');
    const removeMs = Math.round(performance.now() - removeStarted);
    await delay(2500);
    const report = await load.stop();

    const after = report.samples.filter((s) => s.startedAt >= switchEnded);
    const v1Late = after.filter((s) => s.version === 'v1').length;
    const v1AfterDrain = report.samples.filter((s) => s.version === 'v1' && s.endedAt > switchEnded);
    const slowOnV1 = report.samples.filter((s) => s.slow && s.version === 'v1' && s.endedAt > switchStarted);
    const lastV1Start = Math.max(...report.samples.filter((s) => s.version === 'v1').map((s) => s.startedAt));
    const firstV2End = Math.min(...report.samples.filter((s) => s.version === 'v2').map((s) => s.endedAt));
    console.log(`# switchTo: ${JSON.stringify(result)} (refresh wait ${result.switchMs} ms, drain ${result.drainMs} ms)`);
    console.log(`# traffic: first v2 answer ${Math.round(firstV2End - switchStarted)} ms after publish; last request sent to v1 started ${Math.round(lastV1Start - switchStarted)} ms after publish; ${slowOnV1.length} slow requests held v1 across the publish, the last ending ${Math.round(Math.max(0, ...slowOnV1.map((s) => s.endedAt)) - switchStarted)} ms after it`);
    console.log(`# load: ${report.requests} requests in ${report.durationMs} ms (${report.requestsPerSecond} req/s), ${report.samples.filter((s) => s.slow).length} slow; ok ${report.ok}, non-200 ${report.non200}, errors ${JSON.stringify(report.errors)}; v1 service removed in ${removeMs} ms`);

    assert.deepEqual(report.errors, {}, 'no failed or reset requests');
    assert.equal(report.non200, 0, 'no non-200 answers');
    assert.equal(report.ok, report.requests);
    assert.ok(report.requests >= 100, `enough load (${report.requests} requests)`);
    assert.equal(v1Late, 0, 'nothing started after the switch returned reached v1');
    assert.deepEqual(v1AfterDrain, [], 'no request to v1 was still in flight when the drain returned');
    assert.ok(after.some((s) => s.version === 'v2'));
    assert.ok(sameCaddyConfig(await ingress.admin.config(), configBefore), 'the switch did not change Caddy\'s config');
    const final = await get('/', appHost);
    assert.equal(final.status, 200);
    assert.equal((JSON.parse(final.body) as { version: string }).version, 'v2');
  });

  it('tolerates a dead address in the answer (node loss): retries and passive health, no failed request', async () => {
    // v1's tasks are gone; an answer that still lists one of them is what DNS gives for a while after a node dies.
    const dead = ips.v1[0];
    assert.ok(dead);
    ingress.publish(upstream, [dead, ...ips.v2]);
    await delay(1500);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const response = await get('/', appHost);
      latencies.push(Math.round(performance.now() - started));
      assert.equal(response.status, 200, `request ${i} after ${latencies.at(-1)} ms`);
      assert.equal((JSON.parse(response.body) as { version: string }).version, 'v2');
    }
    const slow = latencies.filter((ms) => ms > 500);
    console.log(`# dead address in the answer: 20/20 answered 200; ${slow.length} waited for a failed dial (${slow.join(', ') || '-'} ms), median ${[...latencies].sort((a, b) => a - b)[10]} ms`);
    ingress.publish(upstream, ips.v2);
    await delay(1500);
  });

  it('never publishes an empty set', async () => {
    assert.throws(() => ingress.publish(upstream, []), /refusing to publish no addresses/);
    await assert.rejects(ingress.switchTo({ name: upstream, newIps: [], oldIps: ips.v2 }), /refusing to publish no addresses/);
    assert.deepEqual(dns.lookup(upstream), ips.v2);
    assert.equal((await get('/', appHost)).status, 200);
  });

  it('surfaces the admin API\'s own message when Caddy refuses a config, and keeps running the old one', async () => {
    const running = await ingress.admin.config();
    const bad = JSON.parse(JSON.stringify(ingress.render(routes())));
    bad.apps.http.servers.berth.routes[0].handle[0].routes[0].handle[0].dynamic_upstreams.versions = { ipv4: true };
    await assert.rejects(ingress.admin.load(bad), (err) => {
      assert.ok(err instanceof ProxyAdminError, String(err));
      assert.equal(err.statusCode, 400);
      assert.match(err.adminMessage, /versions/);
      return true;
    });
    assert.deepEqual(await ingress.admin.config(), running);
    assert.deepEqual(await ingress.repairDrift(), { action: 'unchanged' });
  });

  it('serves basic auth, redirects and www ↔ apex as rendered', async () => {
    const apex = `shop-${run}.example.test`;
    const table = planRoutes({ domains: [
      { host: appHost, upstream: { name: upstream, port: 8080 } },
      { host: apex, upstream: { name: upstream, port: 8080 }, wwwRedirect: 'www-to-apex' },
      { host: apex, pathPrefix: '/admin', upstream: { name: upstream, port: 8080 }, basicAuth: { username: 'ops', passwordHash: SECRET_HASH } },
      { host: apex, pathPrefix: '/old', redirect: { to: `http://${appHost}/new`, permanent: false } },
    ] });
    assert.deepEqual(await ingress.applyRoutes(table), { action: 'loaded' });
    const basic = (user: string) => ({ authorization: `Basic ${Buffer.from(user).toString('base64')}` });
    assert.equal((await get('/admin/x', apex)).status, 401);
    assert.equal((await get('/admin', apex, basic('ops:wrong'))).status, 401);
    const authed = await get('/admin/x', apex, basic('ops:secret'));
    assert.equal(authed.status, 200);
    assert.equal((JSON.parse(authed.body) as { path: string }).path, '/admin/x', 'the full path reaches the upstream');
    assert.equal((await get('/administrator', apex)).status, 200, '/admin does not cover /administrator');
    const moved = await get('/old/page?q=1', apex);
    assert.deepEqual([moved.status, moved.location], [307, `http://${appHost}/new/old/page?q=1`]);
    const www = await get('/a?b=c', `www.${apex}`);
    assert.deepEqual([www.status, www.location], [308, `http://${apex}/a?b=c`]);
  });
});
