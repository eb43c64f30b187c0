// How a service's state and version read everywhere in the dashboard.
import type { StatusSummary } from './live';

const TONE: Record<string, string> = {
  running: 'ok',
  deploying: 'accent',
  degraded: 'warn',
  stopped: 'muted',
  failed: 'danger',
  'not deployed': 'muted',
  // deployment statuses
  succeeded: 'ok',
  queued: 'muted',
  cancelled: 'muted',
};

export function StateBadge({ state }: { state: string }) {
  return (
    <span className={`badge ${TONE[state] ?? ''}`} data-state={state}>
      {state === 'deploying' || state === 'running' ? <span className={`status-dot ${state === 'running' ? 'ok' : 'warn'}`} aria-hidden="true" /> : null}
      {state}
    </span>
  );
}

/** The live version: the commit (short) or the image, and whether it came from a rollback. */
export function versionLabel(current: StatusSummary['current'] | { commitSha: string | null; image: string | null; kind: string } | null): string {
  if (!current) return 'not deployed';
  const v = current.commitSha ? current.commitSha.slice(0, 7) : current.image && !current.image.startsWith('sha256:') ? current.image : (current.image?.slice(7, 19) ?? '');
  return current.kind === 'rollback' ? `${v} (rollback)` : v;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 100) / 10;
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
