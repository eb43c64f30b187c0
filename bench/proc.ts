// Process memory from /proc: RSS and PSS (proportional: shared pages split between the processes that
// map them, so summing PostgreSQL's processes does not count its shared buffers six times).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * `berth server` from the compiled build, run as scripts/install.sh runs it: a small young generation
 * (--max-semi-space-size=1) and at most two glibc malloc arenas (MALLOC_ARENA_MAX=2; each thread would
 * otherwise get its own, a few idle MiB apiece). Memory figures are only comparable with the same settings.
 */
export function spawnServer(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--max-semi-space-size=1', 'bin/berth.js', 'server'], { env: { MALLOC_ARENA_MAX: '2', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

export function memoryOf(pid: number): { rssKiB: number; pssKiB: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  return { rssKiB: field('Rss'), pssKiB: field('Pss') };
}

export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* exited */
    }
  }
  return out;
}

export const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
