// The wildcard certificate driven from the command line on real infrastructure (the test bed's BIND with
// TSIG, the DNS-01 Pebble validating through it, Berth's job worker): `berth ssl enable`, `berth
// dns-providers add … --secret-stdin`, then `berth config set domain` alone gets `*.<base>` + `<base>`
// issued; changing the base again drops the old wildcard at once and issues the new one. `berth ssl
// status` shows it valid. Prints the time from `config set domain` to the valid certificate.
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner } from '../../test/support/client.ts';
import { dns01Skip, dns01TestBed } from '../../test/support/dns01.ts';
import { trustAcmeCa } from '../infra/acme/client.ts';
import { parseDnsServer, queryTxt } from '../infra/dns01/dns-wire.ts';
import type { Worker } from '../jobs/index.ts';
import { berthInProcess, cliLogin } from './test-fixtures/in-process.ts';
import { noStack } from './test-fixtures/cli-server.ts';

const env = dns01TestBed;
const run = randomBytes(3).toString('hex');
/** Base domains of their own inside the test zone (other tests validate names in the zone at the same time). */
const first = `c${run}.${env.zone ?? 'dns01.berth.test'}`;
const second = `d${run}.${env.zone ?? 'dns01.berth.test'}`;

describe('berth config set domain issues the wildcard (BIND → Pebble)', { skip: dns01Skip(), timeout: 600_000 }, () => {
  let t: TestApp;
  let worker: Worker;
  let login: Record<string, string>;

  async function berth(args: string[], stdin?: string) {
    const { code, stdout, stderr } = await berthInProcess(args, login, stdin);
    noStack(stderr);
    assert.equal(code, 0, `berth ${args.join(' ')}: ${stderr}`);
    assert.ok(!(stdout + stderr).includes(env.keySecret!), 'the TSIG secret was printed');
    return stdout;
  }
  const row = async (host: string) =>
    (await t.db.pool.query<{ status: string; hosts: string[]; chain_pem: string | null; last_error: string | null }>('SELECT status, hosts, chain_pem, last_error FROM certificates WHERE host = $1', [host])).rows[0];

  /** Waits for `*.<base>` to be valid; returns the seconds it took from `t0`. */
  async function issued(base: string, t0: number): Promise<number> {
    for (const deadline = Date.now() + 150_000; Date.now() < deadline; await delay(200)) {
      const r = await row(`*.${base}`);
      assert.notEqual(r?.status, 'failed', `wildcard issuance failed: ${r?.last_error}`);
      if (r?.status === 'valid') return (performance.now() - t0) / 1000;
    }
    assert.fail(`*.${base} was not issued within 150 s: ${JSON.stringify(await row(`*.${base}`))}`);
  }

  before(async () => {
    trustAcmeCa(readFileSync(env.pebbleCa!, 'utf8'));
    t = await testApp({ env: { BERTH_ACME_DIRECTORY: env.directory!, BERTH_INGRESS: 'false' } });
    worker = t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
    await worker.start();
    const owner = await setupOwner(t.api, t.setupToken);
    login = await cliLogin(t, owner);
  });
  after(async () => {
    await worker?.stop({ graceMs: 1000 });
    await t?.close();
  });

  it('a new base domain gets its wildcard without `berth ssl wildcard`; a second change replaces it', async () => {
    await berth(['ssl', 'enable', '--email', 'ops@example.com']);
    const added = await berth(['dns-providers', 'add', 'test-bind', '--type', 'rfc2136', '--zone', env.zone!, '--server', env.bind!, '--key-name', env.keyName!, '--transport', 'tcp', '--secret-stdin'], `${env.keySecret}\n`);
    assert.match(added, /^Added the rfc2136 DNS provider test-bind for the installation/);

    let t0 = performance.now();
    await berth(['config', 'set', 'domain', first]);
    const firstSeconds = await issued(first, t0);
    const status = await berth(['ssl', 'status']);
    assert.match(status, new RegExp(`^Wildcard \\*\\.${first.replace(/\./g, '\\.')} \\(DNS-01\\): valid until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d; covers ${first.replace(/\./g, '\\.')} and every automatic`, 'm'));
    // The base itself has no HTTP-01 certificate of its own: the wildcard covers it.
    assert.equal(await row(first), undefined);

    t0 = performance.now();
    await berth(['config', 'set', 'domain', second]);
    assert.equal(await row(`*.${first}`), undefined, 'the old wildcard went with the old base');
    const secondSeconds = await issued(second, t0);
    const r = (await row(`*.${second}`))!;
    assert.deepEqual([...r.hosts].sort(), [`*.${second}`, second]);
    const leaf = new X509Certificate(r.chain_pem!);
    assert.match(leaf.subjectAltName ?? '', new RegExp(`DNS:\\*\\.${second.replace(/\./g, '\\.')}`));
    assert.ok(leaf.checkHost(`web-shop.${second}`), 'covers an automatic app host');
    assert.ok(leaf.checkHost(second), 'covers the base itself');
    const json = JSON.parse(await berth(['ssl', 'status', '--json'])) as { certificates: { host: string; status: string }[] };
    assert.deepEqual(json.certificates.map((c) => `${c.host} ${c.status}`), [`*.${second} valid`]);
    // The challenge records were removed from the zone.
    assert.deepEqual(await queryTxt(parseDnsServer(env.bind!), `_acme-challenge.${second}`), []);
    console.log(`berth config set domain → wildcard valid: ${firstSeconds.toFixed(2)} s (first base), ${secondSeconds.toFixed(2)} s (changed base)`);
  });
});
