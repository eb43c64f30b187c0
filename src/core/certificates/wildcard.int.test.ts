// The base domain's wildcard certificate end to end on real infrastructure: an installation DNS provider
// (RFC 2136 + TSIG against the test bed's BIND), Berth's job worker issuing `*.<base>` + `<base>` over
// DNS-01 from the dedicated Pebble that validates through that BIND, and a real Caddy serving a deployed
// app's automatic `<service>-<project>.<base>` host with it: HTTPS 200 with Pebble's root, HTTP 308, and a
// second app host served with the very same certificate (no certificate of its own). Prints the time
// from the request to the first valid HTTPS answer.
import assert from 'node:assert/strict';
import { randomBytes, type X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Agent, get, request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { testApp, type TestApp } from '../../../test/support/app.ts';
import { setupOwner, type Client } from '../../../test/support/client.ts';
import { dns01Skip, dns01TestBed } from '../../../test/support/dns01.ts';
import { removeDeployedApps } from '../../../test/support/docker-cleanup.ts';
import { freeHostPort } from '../../../test/support/ports.ts';
import { trustAcmeCa } from '../../infra/acme/client.ts';
import { queryTxt, parseDnsServer } from '../../infra/dns01/dns-wire.ts';
import type { Worker } from '../../jobs/index.ts';

const env = dns01TestBed;
const run = randomBytes(3).toString('hex');
/** A base domain of its own inside the test zone (other tests validate names in the zone at the same time). */
const base = `b${run}.${env.zone ?? 'dns01.berth.test'}`;
const SERVICES = '/api/orgs/acme/projects/shop/environments/production/services';

interface HttpsAnswer {
  status: number;
  body: string;
  certificate: X509Certificate;
}

/** GET https://<host>/ through 127.0.0.1:<port> with SNI = host, trusting only `ca`. */
function httpsGet(port: number, host: string, ca: string): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, servername: host, path: '/', headers: { host }, ca, agent: false, timeout: 5000 }, (res) => {
      const certificate = (res.socket as TLSSocket).getPeerX509Certificate();
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => (certificate ? resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), certificate }) : reject(new Error('no peer certificate'))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The certificate a TLS handshake with SNI = host presents (verified against `ca`), no HTTP request. */
function handshakeCertificate(port: number, host: string, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: host, ca }, () => {
      const certificate = socket.getPeerX509Certificate();
      socket.end();
      if (certificate) resolve(certificate);
      else reject(new Error('no peer certificate'));
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('handshake timed out')));
    socket.on('error', reject);
  });
}

function httpGet(port: number, host: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Pebble's issuing root (it changes at every Pebble start), from its management interface. */
function pebbleRoot(): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`${env.management}/roots/0`, { agent: new Agent({ ca: readFileSync(env.pebbleCa!, 'utf8') }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`roots/0: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

describe('wildcard certificate for the base domain (DNS-01 via BIND → Pebble → Caddy)', { skip: dns01Skip(), timeout: 600_000 }, () => {
  let t: TestApp;
  let c: Client;
  let worker: Worker;
  const ports = { http: 0, https: 0 };

  before(async () => {
    ports.http = await freeHostPort(28000, 29000);
    ports.https = await freeHostPort(28000, 29000, [ports.http]);
    trustAcmeCa(readFileSync(env.pebbleCa!, 'utf8'));
    t = await testApp({
      env: {
        BERTH_PROXY_SERVICE: `bt-${run}-wild`,
        BERTH_PROXY_HTTP_PORT: String(ports.http),
        BERTH_PROXY_HTTPS_PORT: String(ports.https),
        BERTH_PROXY_IMAGE: process.env.BERTH_PROXY_IMAGE ?? 'berth/caddy:2',
        BERTH_ACME_DIRECTORY: env.directory!,
      },
    });
    await t.platform.start();
    worker = t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
    await worker.start();
    c = await setupOwner(t.api, t.setupToken);
    assert.equal((await c.post('/api/ssl', { email: 'ops@example.com' })).status, 200);
    assert.equal((await c.patch('/api/settings', { domain: base })).status, 200);
    const provider = await c.post('/api/dns-providers', {
      type: 'rfc2136',
      name: 'test-bind',
      zone: env.zone,
      server: env.bind,
      keyName: env.keyName,
      keySecret: env.keySecret,
    });
    assert.equal(provider.status, 201, JSON.stringify(provider.body));
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    for (const name of ['web', 'api']) {
      const svc = await c.post(SERVICES, { name, kind: 'app', spec: { source: { type: 'image', image: 'berth/test-http:latest' }, port: 8080, replicas: 1 } });
      assert.equal(svc.status, 201, JSON.stringify(svc.body));
    }
    const started = await c.post(`${SERVICES}/web/deployments`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    for (let i = 0; ; i++) {
      const d = (await c.get(`${SERVICES}/web/deployments/${started.body.id}`)).body;
      if (d.status === 'succeeded') break;
      assert.ok(!['failed', 'cancelled'].includes(d.status) && i < 600, `deployment ${d.status}: ${d.reason}`);
      await delay(200);
    }
  });

  after(async () => {
    await worker?.stop({ graceMs: 1000 });
    const docker = t?.ctx.docker;
    if (docker) await removeDeployedApps(docker, t.ctx.database.pool, [`bt-${run}-wild`]);
    await t?.close();
  });

  it('issues *.base + base over DNS-01 and serves every automatic app host with it over HTTPS', async () => {
    const host = `web-shop.${base}`;
    const other = `api-shop.${base}`;
    const root = await pebbleRoot();
    const t0 = performance.now();
    const queued = await c.post('/api/ssl/wildcard');
    assert.equal(queued.status, 202, JSON.stringify(queued.body));
    assert.deepEqual(queued.body, { host: `*.${base}`, hosts: [`*.${base}`, base], dnsProvider: 'test-bind', queued: true });
    let answer: HttpsAnswer | Error = new Error('not tried');
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      answer = await httpsGet(ports.https, host, root).catch((err: Error) => err);
      if (!(answer instanceof Error) && answer.status === 200) break;
      const row = (await t.db.pool.query<{ status: string; last_error: string | null }>('SELECT status, last_error FROM certificates WHERE host = $1', [`*.${base}`])).rows[0];
      assert.notEqual(row?.status, 'failed', `wildcard issuance failed: ${row?.last_error}`);
      await delay(100);
    }
    const seconds = (performance.now() - t0) / 1000;
    assert.ok(!(answer instanceof Error), `no HTTPS answer for ${host}: ${(answer as Error).message}`);
    console.log(`POST /api/ssl/wildcard → first valid HTTPS answer on ${host}: ${seconds.toFixed(2)} s`);
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).version, 'v1', 'the deployed app answered');
    assert.match(answer.certificate.subjectAltName ?? '', new RegExp(`DNS:\\*\\.${base.replace(/\./g, '\\.')}`), 'served with the wildcard');
    assert.ok(answer.certificate.checkHost(host));

    const row = (await t.db.pool.query<{ status: string; hosts: string[]; not_after: Date }>('SELECT status, hosts, not_after FROM certificates WHERE host = $1', [`*.${base}`])).rows[0]!;
    assert.equal(row.status, 'valid');
    assert.deepEqual([...row.hosts].sort(), [`*.${base}`, base]);
    assert.equal((await t.db.pool.query('SELECT 1 FROM certificates WHERE host = $1', [host])).rowCount, 0, 'no certificate of its own');

    // Plain HTTP redirects the host to HTTPS now that a certificate covers it.
    const plain = await httpGet(ports.http, host);
    assert.equal(plain.status, 308);
    assert.equal(plain.location, `https://${host}/`);

    // Another app host under the base gets the very same certificate in the TLS handshake (its app is not
    // deployed, so no HTTP answer is awaited: the verified handshake is what matters here).
    const second = await handshakeCertificate(ports.https, other, root);
    assert.equal(second.fingerprint256, answer.certificate.fingerprint256);
    assert.ok(second.checkHost(other));

    // The challenge records were removed from the zone.
    assert.deepEqual(await queryTxt(parseDnsServer(env.bind!), `_acme-challenge.${base}`), []);
  });
});
