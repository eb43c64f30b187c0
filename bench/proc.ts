// Process memory from /proc: RSS and PSS (proportional: shared pages split between the processes that
// map them, so summing PostgreSQL's processes does not count its shared buffers six times).
import { readFileSync, readdirSync } from 'node:fs';

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
