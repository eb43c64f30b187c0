// Test support: a dedicated Pebble (Debian's package) whose HTTP-01 validation connects to 127.0.0.1 on
// the test proxy's HTTP port (the shared one from scripts/testbed/pebble.sh validates on 5002). It uses the
// test bed's TLS files and pebble-challtestsrv DNS (every name → 127.0.0.1), listens on loopback ports of
// its own, and can issue short-lived certificates (`certificateValidityPeriod`, seconds) for renewal tests.
// Must never listen beyond loopback, and is stopped by the test that started it (by its own pid).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

export interface TestPebble {
  directoryUrl: string;
  /** PEM of the CA that signs Pebble's own HTTPS endpoints (for the ACME client). */
  tlsCaPem: string;
  tlsCaFile: string;
  /** The root that issues the certificates (changes at every Pebble start). */
  issuingRoot(): Promise<string>;
  stop(): Promise<void>;
}

/** Whether the test bed's Pebble pieces are there (scripts/testbed/up.sh exports them). */
export function pebbleAvailable(): string | false {
  const missing = ['TEST_PEBBLE_TLS_CA', 'TEST_PEBBLE_CERT', 'TEST_PEBBLE_KEY', 'TEST_PEBBLE_DNS'].filter((k) => !process.env[k]);
  return missing.length ? `no Pebble in the test bed (${missing.join(', ')} unset: source .cache/testbed.env)` : false;
}

function fetchText(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: new Agent({ ca }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** A loopback port from `from` to `to - 1` that can be bound now, none of `avoid`. */
async function freeLoopbackPort(from: number, to: number, avoid: number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomInt(from, to);
    if (avoid.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${to - 1}`);
}

export async function startPebble(opts: { httpPort: number; validitySeconds?: number; portRange?: [number, number] }): Promise<TestPebble> {
  const [from, to] = opts.portRange ?? [24000, 25000];
  const listen = await freeLoopbackPort(from, to);
  const management = await freeLoopbackPort(from, to, [listen]);
  const dir = mkdtempSync(join(tmpdir(), 'berth-pebble-'));
  const tlsCaFile = process.env.TEST_PEBBLE_TLS_CA!;
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${listen}`,
      managementListenAddress: `127.0.0.1:${management}`,
      certificate: process.env.TEST_PEBBLE_CERT!,
      privateKey: process.env.TEST_PEBBLE_KEY!,
      httpPort: opts.httpPort,
      tlsPort: 5001,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
      ...(opts.validitySeconds ? { certificateValidityPeriod: opts.validitySeconds } : {}),
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const child: ChildProcess = spawn('pebble', ['-config', join(dir, 'config.json'), '-dnsserver', process.env.TEST_PEBBLE_DNS!], {
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_AUTHZREUSE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => void (output = (output + b.toString()).slice(-8000)));
  child.stderr!.on('data', (b: Buffer) => void (output = (output + b.toString()).slice(-8000)));
  const tlsCaPem = readFileSync(tlsCaFile, 'utf8');
  const directoryUrl = `https://127.0.0.1:${listen}/dir`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pebble exited (${child.exitCode}): ${output}`);
    const ok = await fetchText(directoryUrl, tlsCaPem).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`pebble did not answer on ${directoryUrl}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    directoryUrl,
    tlsCaPem,
    tlsCaFile,
    async issuingRoot() {
      const res = await fetchText(`https://127.0.0.1:${management}/roots/0`, tlsCaPem);
      if (res.status !== 200) throw new Error(`pebble /roots/0 answered ${res.status}`);
      return res.body;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
