// Times: relative ("3 min ago") with the exact local time on hover/focus — the one component for
// every timestamp in the dashboard. All instances share one ticker.
import { useSyncExternalStore } from 'react';
import { relative } from '../lib/time';

let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;
function subscribe(fn: () => void) {
  listeners.add(fn);
  timer ??= setInterval(() => {
    now = Date.now();
    listeners.forEach((l) => l());
  }, 15_000);
  return () => {
    listeners.delete(fn);
    if (!listeners.size && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function RelativeTime({ value, fallback = '—' }: { value: string | Date | null | undefined; fallback?: string }) {
  const t = useSyncExternalStore(subscribe, () => now);
  if (!value) return <span className="muted">{fallback}</span>;
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return <span className="muted">{fallback}</span>;
  const full = exact.format(d);
  return (
    <time dateTime={d.toISOString()} title={full} aria-label={`${relative(d, t)} (${full})`} className="reltime">
      {relative(d, t)}
    </time>
  );
}
