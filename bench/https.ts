// HTTPS figures (issue 6): time from adding a domain to the first valid HTTPS answer (a certificate from a
// dedicated Pebble validating HTTP-01 through Caddy, the app answering with Pebble's root trusted), and, in
// the same run, TLS handshakes per second through Caddy (a new connection each, with and without a request
// on it) next to plain HTTP requests per second (keep-alive and new connection each) and HTTPS keep-alive.
// Needs the test bed (scripts/testbed/up.sh: Docker/Swarm, berth/caddy:2, Pebble). Writes bench/results/https.json.
import { writeFileSync } from 'node:fs';
import { type Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, createServer as createTlsServer } from 'node:tls';
import { validCertificates } from '../src/core/certificates/certificates.ts';
import { httpsGet } from '../src/core/certificates/https-probe.test-support.ts';
import { startPebble } from '../src/core/certificates/pebble.test-support.ts';
import { setupOwner } from '../test/support/client.ts';
import { measureRate } from './http-rate.ts';
import { freePort, sleep, startStack } from './stack.ts';

const SECONDS = 5;
const CONNECTIONS = 16;

/** `work()` from `connections` loops for `seconds`; completed ones per second. */
async function rate(connections: number, seconds: number, work: () => Promise<boolean>): Promise<{ done: number; errors: number; perSecond: number }> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        if (await work().catch(() => false)) done++;
        else errors++;
      }
    }),
  );
  return { done, errors, perSecond: Math.round(done / ((performance.now() - started) / 1000)) };
}

/** A full TLS handshake on a new connection (SNI `host`, chain verified against `ca`), then close. */
function handshake(port: number, host: string, ca: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: host, ca }, () => {
      socket.end();
      resolve(socket.authorized);
    });
    socket.on('error', reject);
  });
}

function plainGet(port: number, host: string, agent: HttpAgent | false): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function httpsBench(): Promise<void> {
  // The test bed's machine-wide Pebble files (scripts/testbed/pebble.sh), unless testbed.env is sourced.
  process.env.TEST_PEBBLE_TLS_CA ??= '/var/lib/berth-testbed/pebble/ca.pem';
  process.env.TEST_PEBBLE_CERT ??= '/var/lib/berth-testbed/pebble/cert.pem';
  process.env.TEST_PEBBLE_KEY ??= '/var/lib/berth-testbed/pebble/key.pem';
  process.env.TEST_PEBBLE_DNS ??= '127.0.0.1:8053';
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const pebble = await startPebble({ httpPort, portRange: [29000, 29500] });
  const { run, database, ctx, api, setupToken, stop } = await startStack({
    name: 'https',
    pgPortBase: 5900,
    proxySuffix: 'tls',
    env: {
      BERTH_PROXY_HTTP_PORT: String(httpPort),
      BERTH_PROXY_HTTPS_PORT: String(httpsPort),
      BERTH_ACME_DIRECTORY: pebble.directoryUrl,
      BERTH_ACME_CA_FILE: pebble.tlsCaFile,
    },
    workerConcurrency: 2,
  });
  let serviceId = '';
  try {
    const root = await pebble.issuingRoot();
    const c = await setupOwner(api, setupToken);
    await c.post('/api/orgs/acme/projects', { name: 'bench' });
    const SVC = '/api/orgs/acme/projects/bench/environments/production/services/web';
    serviceId = (await c.post('/api/orgs/acme/projects/bench/environments/production/services', { name: 'web', kind: 'app', spec: { source: { type: 'image', image: 'berth/test-http:latest' }, port: 8080 } })).body.id;
    await c.post(`${SVC}/domains`, { host: `warm-${run}.example.test` }); // routed before its first deploy
    const started = await c.post(`${SVC}/deployments`);
    for (let d = started.body; d.status !== 'succeeded'; d = (await c.get(`${SVC}/deployments/${started.body.id}`)).body) {
      if (d.status === 'failed' || d.status === 'cancelled') throw new Error(`deployment ${d.status}: ${d.reason}`);
      await sleep(200);
    }
    await c.post('/api/ssl', { email: 'bench@example.com' });
    // Plain HTTP is measured on a host whose HTTP is not redirected to HTTPS.
    const plainHost = `warm-${run}.example.test`;
    await c.patch(`${SVC}/domains/${plainHost}/tls`, { redirectHttp: false });

    // Domain add → first valid HTTPS answer, a few times.
    const firstHttps: number[] = [];
    for (let i = 0; i < 5; i++) {
      const host = `d${i}-${run}.example.test`;
      const t0 = performance.now();
      const added = await c.post(`${SVC}/domains`, { host });
      if (added.status !== 201) throw new Error(`domain add: ${JSON.stringify(added.body)}`);
      for (;;) {
        const res = await httpsGet({ port: httpsPort, host, ca: root }).catch(() => undefined);
        if (res?.status === 200) break;
        if (performance.now() - t0 > 60_000) throw new Error(`${host}: no HTTPS answer within 60 s`);
        await sleep(20);
      }
      firstHttps.push(Math.round(performance.now() - t0));
    }
    const host = `d0-${run}.example.test`;

    // Same run: TLS handshakes per second vs plain HTTP requests per second through Caddy.
    const httpKeepAlive = await measureRate({ port: httpPort, host: plainHost, connections: CONNECTIONS, seconds: SECONDS });
    const httpNewConnection = await rate(CONNECTIONS, SECONDS, () => plainGet(httpPort, plainHost, false));
    const tlsHandshakes = await rate(CONNECTIONS, SECONDS, () => handshake(httpsPort, host, root));
    const httpsNewConnection = await rate(CONNECTIONS, SECONDS, async () => (await httpsGet({ port: httpsPort, host, ca: root })).status === 200);
    // Calibration, same run: the same certificate served by a Node TLS server on loopback (no proxy, no
    // Docker port publishing), so the client's own share of a handshake is visible.
    const served = (await validCertificates(database.db, ctx.secrets)).find((cert) => cert.hosts.includes(host))!;
    const reference = createTlsServer({ cert: served.certificatePem, key: served.keyPem }, (socket) => socket.end());
    await new Promise<void>((resolve) => reference.listen(0, '127.0.0.1', resolve));
    const referencePort = (reference.address() as AddressInfo).port;
    const nodeServerHandshakes = await rate(CONNECTIONS, SECONDS, () => handshake(referencePort, host, root));
    await new Promise<void>((resolve) => reference.close(() => resolve()));
    const keepAlive = new HttpsAgent({ keepAlive: true, maxSockets: CONNECTIONS, ca: root });
    const httpsKeepAlive = await rate(CONNECTIONS, SECONDS, async () => (await httpsGet({ port: httpsPort, host, ca: root, agent: keepAlive })).status === 200);
    keepAlive.destroy();
    const sorted = [...firstHttps].sort((a, b) => a - b);
    const result = {
      at: new Date().toISOString(),
      domainAddToFirstHttpsMs: { runs: firstHttps, median: sorted[Math.floor(sorted.length / 2)], note: 'POST …/domains → first 200 over HTTPS with Pebble\'s root (issuance through the job queue, HTTP-01 via Caddy, route push)' },
      throughCaddy: {
        connections: CONNECTIONS,
        seconds: SECONDS,
        tlsHandshakesPerSecond: tlsHandshakes,
        httpsRequestsNewConnectionPerSecond: httpsNewConnection,
        httpsRequestsKeepAlivePerSecond: httpsKeepAlive,
        httpRequestsKeepAlivePerSecond: httpKeepAlive,
        httpRequestsNewConnectionPerSecond: httpNewConnection,
        referenceNodeTlsServerHandshakesPerSecond: nodeServerHandshakes,
        note: 'ECDSA P-256 certificates; full handshakes (no session resumption); Node clients on loopback through the host-mode published ports; 2 cores shared by the clients, Caddy, the app (and whatever else runs); the reference is the same certificate on a Node TLS server without proxy',
      },
    };
    writeFileSync('bench/results/https.json', JSON.stringify(result, null, 2) + '\n');
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await stop(serviceId, () => ctx.certificates.stop());
    await pebble.stop();
  }
}
