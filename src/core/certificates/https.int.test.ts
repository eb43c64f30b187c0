// HTTPS end to end against real infrastructure: a deployed app behind two real Caddy instances, a dedicated
// Pebble whose HTTP-01 validation connects to the first proxy's HTTP port, Berth's job worker and renewal
// loop. Proves: domain add → certificate → HTTPS 200 with Pebble's root, HTTP 308; both proxies serve the
// same certificate; short-lived certificates are renewed (new serial) under continuous HTTPS traffic
// with no failed request (keep-alive clients re-send a request whose idle connection the proxy closed at the
// config change, as browsers and curl do; counted and printed); the automatic base-domain host gets one too; per-host HTTPS off / redirect off /
// HSTS reach the proxy; an uploaded certificate is served; an unreachable challenge ends `failed` with a
// readable reason while HTTP keeps serving; domain removal removes the certificate. Durations are printed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Worker } from '../../jobs/index.ts';
import { removeDeployedApps } from '../../../test/support/docker-cleanup.ts';
import { testApp, type TestApp } from '../../../test/support/app.ts';
import { setupOwner, type Client } from '../../../test/support/client.ts';
import { freeHostPort } from '../../../test/support/ports.ts';
import { CertificateIssuer } from './certificates.ts';
import { httpsGet, startHttpsLoad } from './https-probe.test-support.ts';
import { pebbleAvailable, startPebble, type TestPebble } from './pebble.test-support.ts';

const run = randomBytes(3).toString('hex');
const host = `web-${run}.example.test`;
const base = `apps-${run}.example.test`;
const SVC = '/api/orgs/acme/projects/shop/environments/production/services/web';
/**
 * Short-lived certificates: renewed two thirds in, i.e. every 40 s — leaving 20 s for the renewal to be
 * issued and pushed before the old one expires (10 s was too little on a loaded 2-core machine).
 */
const VALIDITY_SECONDS = 60;

const taken: number[] = [];
const freePort = async () => {
  const port = await freeHostPort(26000, 27000, taken);
  taken.push(port);
  return port;
};

describe('HTTPS end to end (Pebble → Berth → two Caddy instances)', { skip: pebbleAvailable(), timeout: 900_000 }, () => {
  let t: TestApp;
  let c: Client;
  let worker: Worker;
  let pebble: TestPebble;
  let root: string;
  const ports = { http: 0, https: 0, http2: 0, https2: 0, api: 0 };

  const httpGet = (hostHeader: string, port = ports.http, path = '/') =>
    new Promise<{ status: number; location?: string; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers: { host: hostHeader }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ...(res.headers.location ? { location: res.headers.location } : {}) }));
      });
      req.on('error', reject);
      req.end();
    });
  const tlsOf = async (h: string) => ((await c.get(`${SVC}/domains`)).body as { host: string; tls: { status: string; error: string | null; expiresAt: string | null } | null }[]).find((d) => d.host === h)?.tls ?? null;
  async function waitForStatus(h: string, status: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tls = await tlsOf(h);
      if (tls?.status === status) return tls;
      if (Date.now() > deadline) throw new Error(`${h}: still ${JSON.stringify(tls)} after ${timeoutMs} ms`);
      await delay(100);
    }
  }
  async function waitForHttps(h: string, port = ports.https, timeoutMs = 30_000, path = '/') {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await httpsGet({ port, host: h, ca: root, path }).catch((err: Error) => err);
      if (!(res instanceof Error) && res.status === 200) return res;
      if (Date.now() > deadline) throw new Error(`${h}: no valid HTTPS answer on ${port}: ${res instanceof Error ? res.message : res.status}`);
      await delay(100);
    }
  }

  before(async () => {
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    pebble = await startPebble({ httpPort: ports.http, validitySeconds: VALIDITY_SECONDS, portRange: [27000, 27500] });
    t = await testApp({
      env: {
        BERTH_PROXY_SERVICE: `bt-${run}-tls`,
        BERTH_PROXY_HTTP_PORT: String(ports.http),
        BERTH_PROXY_HTTPS_PORT: String(ports.https),
        BERTH_PROXY_EXTRA_PORTS: `${ports.http2}:${ports.https2}`,
        BERTH_PROXY_IMAGE: process.env.BERTH_PROXY_IMAGE ?? 'berth/caddy:2',
        BERTH_ACME_DIRECTORY: pebble.directoryUrl,
        BERTH_ACME_CA_FILE: pebble.tlsCaFile,
        BERTH_CERT_RETRY_SECONDS: '3600',
        BERTH_HOST: '127.0.0.1',
        BERTH_PORT: String(ports.api),
      },
    });
    // The API on loopback: the base domain reaches it through the proxy and the control-plane relay.
    await t.api.listen({ host: '127.0.0.1', port: ports.api });
    await t.platform.start();
    worker = t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
    await worker.start();
    t.ctx.certificates.start(1000);
    root = await pebble.issuingRoot();
    c = await setupOwner(t.api, t.setupToken);
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    const svc = await c.post('/api/orgs/acme/projects/shop/environments/production/services', {
      name: 'web',
      kind: 'app',
      spec: { source: { type: 'image', image: 'berth/test-http:latest' }, port: 8080, replicas: 1 },
    });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    // The base domain makes the service routed (on the ingress network) before its first deploy.
    assert.equal((await c.patch('/api/settings', { domain: base })).status, 200);
    const started = await c.post(`${SVC}/deployments`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    for (let i = 0; ; i++) {
      const d = (await c.get(`${SVC}/deployments/${started.body.id}`)).body;
      if (d.status === 'succeeded') break;
      assert.ok(!['failed', 'cancelled'].includes(d.status) && i < 600, `deployment ${d.status}: ${d.reason}`);
      await delay(200);
    }
    assert.equal((await c.post('/api/ssl', { email: 'ops@example.com' })).status, 200);
  });

  after(async () => {
    await t?.ctx.certificates.stop();
    await worker?.stop({ graceMs: 1000 });
    const docker = t?.ctx.docker;
    if (docker) await removeDeployedApps(docker, t.ctx.database.pool, [`bt-${run}-tls`, `bt-${run}-tls-2`]);
    await t?.close();
    await pebble?.stop();
  });

  it('domain add → a certificate from Pebble → HTTPS 200 with its root on both proxies; HTTP 308 to https', async () => {
    const t0 = performance.now();
    const added = await c.post(`${SVC}/domains`, { host });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const first = await waitForHttps(host);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`domain add → first valid HTTPS answer: ${seconds.toFixed(2)} s`);
    assert.equal(JSON.parse(first.body).version, 'v1');
    const tls = await waitForStatus(host, 'valid');
    assert.ok(tls.expiresAt && Date.parse(tls.expiresAt) > Date.now(), 'expiry reported');
    const plain = await httpGet(host);
    assert.equal(plain.status, 308);
    assert.equal(plain.location, `https://${host}/`);
    // The second proxy instance serves the same certificate (pushed by the platform, no ACME of its own).
    const second = await waitForHttps(host, ports.https2);
    const again = await httpsGet({ port: ports.https, host, ca: root });
    assert.equal(second.fingerprint, again.fingerprint, 'both proxies serve the same certificate');
    assert.equal((await httpGet(host, ports.http2)).status, 308);
  });

  it('the automatic base-domain host gets its certificate too', async () => {
    const auto = `web-shop.${base}`;
    await waitForStatus(auto, 'valid');
    assert.equal((await waitForHttps(auto)).status, 200);
  });

  it('the base domain itself serves the dashboard and API through the proxy over HTTPS', async () => {
    const deadline = Date.now() + 60_000;
    while (!((await c.get('/api/ssl')).body.certificates as { host: string; status: string }[]).some((x) => x.host === base && x.status === 'valid')) {
      assert.ok(Date.now() < deadline, 'the base domain got a certificate');
      await delay(200);
    }
    const health = await waitForHttps(base, ports.https, 30_000, '/api/health');
    assert.equal(health.status, 200, health.body);
    const api = await httpsGet({ port: ports.https, host: base, ca: root, path: '/api/setup' });
    assert.equal(api.status, 200, api.body);
    assert.equal((await httpGet(base)).status, 308);
  });

  it('renews short-lived certificates (new serial served) under continuous HTTPS traffic with no failed request', async () => {
    const before = await httpsGet({ port: ports.https, host, ca: root });
    const load = startHttpsLoad({ port: ports.https, host, ca: root, freshWorkers: 2, keepAliveWorkers: 2, pauseMs: 20, maxDurationMs: 120_000 });
    const deadline = Date.now() + VALIDITY_SECONDS * 1000;
    while (load.report.serials.filter((s) => s !== before.serial).length === 0 && Date.now() < deadline) await delay(250);
    await delay(1000); // traffic continues after the switch
    const report = await load.stop();
    console.log(`renewal under load: ${report.requests} requests in ${report.durationMs} ms, ${report.ok} ok, ${report.non200} non-200, errors ${JSON.stringify(report.errors)}, serials ${report.serials.length}, keep-alive requests re-sent because the proxy closed their connection before answering: ${report.staleConnectionRetries} (${report.newPooledConnectionRetries} on a just-opened pooled connection)`);
    assert.ok(report.serials.some((s) => s !== before.serial), 'a renewed certificate (new serial) was served');
    assert.deepEqual(report.errors, {});
    assert.equal(report.non200, 0);
    assert.equal(report.ok, report.requests);
    const tls = await tlsOf(host);
    assert.ok(tls && ['valid', 'renewing'].includes(tls.status), JSON.stringify(tls));
  });

  it('per-host choices reach the proxy: HSTS, redirect off, HTTPS off', async () => {
    const hsts = await c.patch(`${SVC}/domains/${host}/tls`, { hstsMaxAge: 600 });
    assert.equal(hsts.status, 200, JSON.stringify(hsts.body));
    assert.equal((await httpsGet({ port: ports.https, host, ca: root })).headers['strict-transport-security'], 'max-age=600');
    assert.equal((await c.patch(`${SVC}/domains/${host}/tls`, { redirectHttp: false })).status, 200);
    assert.equal((await httpGet(host)).status, 200, 'plain HTTP serves the app');
    assert.equal((await httpsGet({ port: ports.https, host, ca: root })).status, 200);
    assert.equal((await c.patch(`${SVC}/domains/${host}/tls`, { https: false })).status, 200);
    assert.equal((await httpsGet({ port: ports.https, host, ca: root })).status, 404, 'the app is not served over HTTPS');
    assert.equal((await httpGet(host)).status, 200);
    const reset = await c.patch(`${SVC}/domains/${host}/tls`, { https: true, redirectHttp: true, hstsMaxAge: null });
    assert.deepEqual(reset.body, { host, https: true, redirectHttp: true, hstsMaxAge: null });
    assert.equal((await httpGet(host)).status, 308);
  });

  it('serves an uploaded certificate for a host', async () => {
    const customHost = `custom-${run}.example.test`;
    const dir = mkdtempSync(join(tmpdir(), 'berth-custom-cert-'));
    try {
      const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${customHost}`,
        '-addext', `subjectAltName=DNS:${customHost}`, '-keyout', 'key.pem', '-out', 'cert.pem');
      const certificatePem = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
      await t.ctx.certificates.stop(); // the loop would queue ACME issuance for the new host meanwhile
      assert.equal((await c.post(`${SVC}/domains`, { host: customHost })).status, 201);
      const up = await c.put(`${SVC}/domains/${customHost}/certificate`, { certificatePem, keyPem });
      assert.equal(up.status, 200, JSON.stringify(up.body));
      assert.equal(up.body.source, 'custom');
      const res = await waitForHttps(customHost, ports.https, 10_000).catch(() => undefined);
      assert.equal(res, undefined, 'not trusted by Pebble\'s root');
      const served = await httpsGet({ port: ports.https, host: customHost, ca: certificatePem });
      assert.equal(served.status, 200);
      assert.equal(served.fingerprint, new X509Certificate(certificatePem).fingerprint256);
      assert.equal((await httpGet(customHost)).status, 308);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      t.ctx.certificates.start(1000);
    }
  });

  it('an unreachable challenge → failed with a readable reason; HTTP keeps serving', async () => {
    const lost = `lost-${run}.example.test`;
    // A second Pebble validating on a port nothing listens on: the challenge cannot be fetched.
    const nowhere = await freePort();
    const blind = await startPebble({ httpPort: nowhere, portRange: [27500, 28000] });
    try {
      await t.ctx.certificates.stop(); // keep the loop from issuing it through the working Pebble first
      await t.ctx.database.pool.query(
        "INSERT INTO domains (org_id, service_id, host, path_prefix, port) SELECT org_id, service_id, $1, '/', 8080 FROM domains WHERE host = $2",
        [lost, host],
      );
      await t.platform.reconcileRoutes();
      const issuer = new CertificateIssuer({ db: t.ctx.database.db, box: t.ctx.secrets, directoryUrl: blind.directoryUrl, retryBaseSeconds: 3600 });
      const outcome = await issuer.run(lost);
      assert.equal(outcome.status, 'failed');
      const tls = await tlsOf(lost);
      console.log(`unreachable challenge: ${tls?.error}`);
      assert.equal(tls?.status, 'failed');
      assert.match(tls!.error!, new RegExp(`could not fetch the challenge at http://${lost.replace(/\./g, '\\.')}(:\\d+)?/\\.well-known/acme-challenge/\\S+ \\(connection refused\\)`));
      const plain = await httpGet(lost);
      assert.equal(plain.status, 200, 'HTTP keeps serving the host');
      assert.equal(JSON.parse(plain.body).version, 'v1');
    } finally {
      await blind.stop();
      t.ctx.certificates.start(1000);
    }
  });

  it('domain removal removes its certificate; the host is no longer served', async () => {
    const list = (await c.get(`${SVC}/domains`)).body as { id: string | null; host: string }[];
    const domain = list.find((d) => d.host === host)!;
    assert.equal((await c.delete(`${SVC}/domains/${domain.id}`)).status, 200);
    const rows = await t.ctx.database.pool.query('SELECT 1 FROM certificates WHERE host = $1', [host]);
    assert.equal(rows.rowCount, 0);
    assert.equal((await httpGet(host)).status, 404);
    await assert.rejects(httpsGet({ port: ports.https, host, ca: root }));
  });
});
