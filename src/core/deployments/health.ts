// Waiting for a release to be healthy: every desired replica's task running and, when the image or
// spec has a health check, reported healthy. A task that fails, is rejected or turns unhealthy ends the
// wait with the reason (and the health check's own output) — that release never gets traffic.
import type { TaskSummary } from '../../infra/docker/index.ts';

export class ReleaseUnhealthy extends Error {}

export interface HealthWaitOptions {
  tasks: () => Promise<TaskSummary[]>;
  replicas: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** Output of the failing container's health check, when there is one. */
  healthOutput?: (task: TaskSummary) => Promise<string | undefined>;
  onProgress?: (line: string) => void;
  pollMs?: number;
}

const FAILED = new Set(['failed', 'rejected', 'orphaned']);

export async function waitUntilHealthy(opts: HealthWaitOptions): Promise<TaskSummary[]> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    opts.signal.throwIfAborted();
    const tasks = await opts.tasks();
    const current = tasks.filter((t) => t.desiredState === 'running');
    const broken = tasks.find((t) => FAILED.has(t.state) || t.health === 'unhealthy');
    if (broken) {
      const output = (await opts.healthOutput?.(broken))?.trim();
      const why = broken.health === 'unhealthy' ? 'failed its health check' : `${broken.state}: ${broken.error ?? broken.message}`;
      // Swarm restarts failed tasks; one failure is an answer already (the old version keeps serving).
      throw new ReleaseUnhealthy(`task ${broken.slot ?? broken.id.slice(0, 12)} ${why}${output ? `\nhealth check output:\n${output}` : ''}`);
    }
    const ready = current.filter((t) => t.state === 'running' && (t.health === undefined || t.health === 'healthy'));
    const summary = `${ready.length}/${opts.replicas} healthy (${current.map((t) => t.health ?? t.state).join(', ') || 'no tasks yet'})`;
    if (summary !== last) opts.onProgress?.(summary);
    last = summary;
    if (ready.length >= opts.replicas && current.length === ready.length) return ready;
    if (Date.now() > deadline) {
      const starting = current.find((t) => t.health === 'starting');
      const output = starting ? (await opts.healthOutput?.(starting))?.trim() : undefined;
      throw new ReleaseUnhealthy(`not healthy after ${Math.round(opts.timeoutMs / 1000)} s: ${summary}${output ? `\nhealth check output:\n${output}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
}
