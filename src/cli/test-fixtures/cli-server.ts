// Test-only: a real `berth server` child process on a fresh test database, set up with an owner (alice,
// organisation acme) and an API key, and a runner for `node bin/berth.js …` logged in as her through
// BERTH_URL/BERTH_API_KEY (or, with `loggedIn: false`, as a user who has yet to run `berth login`).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { berthServerEnv, setupOverHttp } from '../../../test/support/http-setup.ts';

export const BIN = fileURLToPath(new URL('../../../bin/berth.js', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ApiAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CliServer {
  url: string;
  db: TestDatabase;
  ownerKey: string;
  /** A scratch directory, removed by stop(), that holds `home` and `xdg`. */
  tmp: string;
  /** HOME and XDG_CONFIG_HOME of `berth` runs: the login file is <xdg>/berth/config.json. */
  home: string;
  xdg: string;
  /**
   * `berth <args>` with only PATH, HOME/XDG_CONFIG_HOME and, unless started with `loggedIn: false`,
   * BERTH_URL/BERTH_API_KEY (alice) set; `env` goes on top. Stdin is closed or fed `input`.
   */
  berth(args: string[], opts?: { env?: Record<string, string>; input?: string }): Promise<Run>;
  /** A JSON request with alice's API key. */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  serverLog(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function collectOutput(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  return { stdout: () => out, stderr: () => err };
}

/**
 * Starts the server with `env` on top of the test defaults (no Docker socket). `loggedIn: false` leaves
 * BERTH_URL/BERTH_API_KEY out of the `berth` runs' environment.
 */
export async function startCliServer(env: Record<string, string> = {}, opts: { loggedIn?: boolean } = {}): Promise<CliServer> {
  const db = await testDatabase();
  const tmp = mkdtempSync(join(tmpdir(), 'berth-cli-test-'));
  const dataDir = join(tmp, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const serverEnv = berthServerEnv({ databaseUrl: db.url, dataDir, port }, { BERTH_DOCKER_SOCKET: '/nonexistent.sock', ...env });
  for (const k of ['REDIS_URL', 'BERTH_CONFIG_FILE', 'BERTH_MASTER_KEY', 'BERTH_MASTER_KEY_FILE']) delete serverEnv[k];
  const server = spawn(process.execPath, [BIN, 'server'], { env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = collectOutput(server);

  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
      server.kill('SIGTERM');
      const code = await exited;
      assert.equal(code, 0, `berth server did not shut down cleanly:\n${log.stderr()}`);
    }
    await db.drop();
    rmSync(tmp, { recursive: true, force: true });
  };

  try {
    for (let i = 0; ; i++) {
      if (server.exitCode !== null) throw new Error(`berth server exited with ${server.exitCode}:\n${log.stderr()}`);
      if (i > 1200) throw new Error(`berth server did not answer on ${url}:\n${log.stderr()}`);
      try {
        await fetch(`${url}/api/health`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const { apiKey: ownerKey } = await setupOverHttp({ api: url, dataDir });

    const home = join(tmp, 'home');
    const xdg = join(tmp, 'xdg');
    const login = opts.loggedIn === false ? {} : { BERTH_URL: url, BERTH_API_KEY: ownerKey };
    return {
      url,
      db,
      ownerKey,
      tmp,
      home,
      xdg,
      serverLog: log.stderr,
      stop,
      api: async (method, path, body) => {
        const headers: Record<string, string> = { authorization: `Bearer ${ownerKey}` };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      },
      berth: (args, run = {}) => {
        const child = spawn(process.execPath, [BIN, ...args], {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BERTH_FROM_SOURCE: '1', HOME: home, XDG_CONFIG_HOME: xdg, ...login, ...run.env },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const output = collectOutput(child);
        child.stdin!.end(run.input ?? '');
        return new Promise((resolve, reject) => {
          child.once('error', reject);
          child.once('close', (code) => resolve({ code, stdout: output.stdout(), stderr: output.stderr() }));
        });
      },
    };
  } catch (err) {
    server.kill('SIGTERM');
    await db.drop().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

export function noStack(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was printed:\n${text}`);
}
