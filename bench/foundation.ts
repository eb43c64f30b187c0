// Foundation figures: cold start (first boot: initdb + migrations) and warm start of `berth server` to a
// healthy /api/health; idle RSS of the server process (run as the installer runs it, with
// --max-semi-space-size=1 and MALLOC_ARENA_MAX=2, see proc.ts) and of its embedded PostgreSQL 30 s after boot,
// and the server's RSS over the 30 s after that.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf, memoryOf, mib, spawnServer } from './proc.ts';

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startAndTime(env: NodeJS.ProcessEnv, port: number): Promise<{ child: ChildProcess; ms: number }> {
  const t0 = performance.now();
  const child = spawnServer(env);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`berth server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.status === 200) return { child, ms: Math.round(performance.now() - t0) };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

export async function foundationBench(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, BERTH_DATA_DIR: dataDir, BERTH_PORT: String(port), BERTH_HOST: '127.0.0.1', BERTH_LOG_LEVEL: 'warn', BERTH_INGRESS: 'false', BERTH_EMBEDDED_PG_PORT: String(await freePort()) };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  try {
    const cold = await startAndTime(env, port);
    await stop(cold.child);
    const warm = await startAndTime(env, port);
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const server = memoryOf(warm.child.pid!);
    // One sample can land before or after V8 shrinks its heap once boot's garbage is collected: also
    // sample every 5 s for 30 s more and report the median and the highest.
    const later: number[] = [];
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 5000));
      later.push(memoryOf(warm.child.pid!).rssKiB);
    }
    later.sort((a, b) => a - b);
    const postmaster = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const pgPids = [postmaster, ...childrenOf(postmaster)];
    const pg = pgPids.map(memoryOf).reduce((a, b) => ({ rssKiB: a.rssKiB + b.rssKiB, pssKiB: a.pssKiB + b.pssKiB }));
    const exitCode = await stop(warm.child);
    const result = {
      at: new Date().toISOString(),
      node: process.version,
      coldStartToHealthyMs: cold.ms,
      warmStartToHealthyMs: warm.ms,
      idleSeconds: IDLE_SECONDS,
      serverRssMiB: mib(server.rssKiB),
      serverPssMiB: mib(server.pssKiB),
      serverRssMiBNext30s: { median: mib((later[2]! + later[3]!) / 2), max: mib(later[5]!) },
      embeddedPostgres: { processes: pgPids.length, rssSumMiB: mib(pg.rssKiB), pssSumMiB: mib(pg.pssKiB) },
      gracefulExitCode: exitCode,
      targets: { serverRssMiB: 80, embeddedPostgresMiB: 60 },
    };
    writeFileSync('bench/results/foundation.json', JSON.stringify(result, null, 2) + '\n');
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
