// Supervises the `berth dns` process: adopts a running one (its dns.json names the pid and address) or
// starts a detached one, and confirms it answers what the records file says. The process is left
// running when the control plane stops — Caddy needs its answers while Berth restarts or upgrades.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { queryA } from '../infra/dns/client.ts';
import { RecordsFile } from '../infra/dns/records-file.ts';
import { Unavailable } from '../core/errors.ts';
import { isAlive } from '../infra/process/alive.ts';

const BIN = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));

interface Info {
  pid: number;
  host: string;
  port: number;
}


export class DnsProcess {
  readonly dir: string;
  #info: Info | undefined;
  #records: RecordsFile | undefined;

  constructor(private readonly opts: { dir: string; host: string; port: number }) {
    this.dir = opts.dir;
  }

  get records(): RecordsFile {
    if (!this.#records) throw new Unavailable('the DNS process is not started');
    return this.#records;
  }

  #readInfo(): Info | undefined {
    try {
      const info = JSON.parse(readFileSync(join(this.dir, 'dns.json'), 'utf8')) as Info;
      return isAlive(info.pid) ? info : undefined;
    } catch {
      return undefined;
    }
  }

  /** Adopts a live DNS process on the wanted address, or starts one; resolves once it answers. */
  async ensure(): Promise<Info> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    let info = this.#readInfo();
    if (info && (info.host !== this.opts.host || (this.opts.port !== 0 && info.port !== this.opts.port))) {
      process.kill(info.pid, 'SIGTERM');
      info = undefined;
    }
    if (!info) {
      rmSync(join(this.dir, 'dns.json'), { force: true });
      const log = openSync(join(this.dir, 'dns.log'), 'a', 0o600);
      const child = spawn(process.execPath, [BIN, 'dns', '--host', this.opts.host, '--port', String(this.opts.port), '--records', join(this.dir, 'records.json')], {
        detached: true,
        stdio: ['ignore', log, log],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(process.env.BERTH_FROM_SOURCE ? { BERTH_FROM_SOURCE: '1' } : {}) },
      });
      child.unref();
      closeSync(log);
      for (let i = 0; i < 200 && !(info = this.#readInfo()); i++) {
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!info) {
        const tail = existsSync(join(this.dir, 'dns.log')) ? readFileSync(join(this.dir, 'dns.log'), 'utf8').split('\n').slice(-5).join('\n') : '';
        throw new Unavailable(`the DNS process did not start:\n${tail}`);
      }
    }
    this.#info = info;
    this.#records = new RecordsFile(join(this.dir, 'records.json'), { host: info.host, port: info.port });
    await this.confirm('health.check.berth', 'NXDOMAIN');
    return info;
  }

  /** Waits until the process answers `name` with exactly `expected` (it reloads the file on change). */
  async confirm(name: string, expected: readonly string[] | 'NXDOMAIN', timeoutMs = 3000): Promise<void> {
    const info = this.#info;
    if (!info) throw new Unavailable('the DNS process is not started');
    const want = expected === 'NXDOMAIN' ? expected : JSON.stringify([...expected].sort());
    const deadline = Date.now() + timeoutMs;
    let got: string[] | 'NXDOMAIN' | undefined;
    for (;;) {
      got = await queryA({ host: info.host, port: info.port, name, timeoutMs: 500 }).catch(() => undefined);
      if (got !== undefined && (got === 'NXDOMAIN' ? got : JSON.stringify(got)) === want) return;
      if (Date.now() > deadline) throw new Unavailable(`the DNS process answers ${JSON.stringify(got)} for ${name}, expected ${want}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops the process (tests, uninstall); a running control plane never calls this. */
  async stop(): Promise<void> {
    const info = this.#info ?? this.#readInfo();
    if (!info || !isAlive(info.pid)) return;
    process.kill(info.pid, 'SIGTERM');
    for (let i = 0; i < 100 && isAlive(info.pid); i++) await new Promise((r) => setTimeout(r, 20));
  }
}
