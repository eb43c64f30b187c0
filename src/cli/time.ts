// Times for people and from people: "5m ago", "1m 3s", and --since values ("10m", "1h30m", an ISO time).
import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(?:\d+(?:\.\d+)?[smhdw])+$/;
const ISO = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$/i;

/** "10m", "1h30m", "2d" → seconds; undefined when `raw` is not a duration. */
export function parseDuration(raw: string): number | undefined {
  const text = raw.trim().toLowerCase();
  if (!DURATION.test(text)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  return seconds;
}

/**
 * A --since value as unix seconds: a duration back from `now` ("10m", "1h30m", "2d") or an ISO date or
 * time ("2025-01-31", "2025-01-31T12:00", "2025-01-31T12:00:00Z"); without an offset it is local time.
 */
export function parseSince(raw: string, now: number = Date.now()): number {
  const seconds = parseDuration(raw);
  let at: number;
  if (seconds !== undefined) {
    at = now - seconds * 1000;
  } else if (ISO.test(raw.trim())) {
    const text = raw.trim().replace(' ', 'T');
    // A bare date is local midnight, like a time without an offset (JavaScript would read it as UTC).
    at = Date.parse(text.length === 10 ? `${text}T00:00` : text);
  } else {
    throw new InvalidArgumentError('expected a duration such as 10m, 1h30m or 2d, or an ISO time such as 2025-01-31T12:00:00Z');
  }
  if (!Number.isFinite(at)) throw new InvalidArgumentError(`"${raw}" is not a valid date`);
  if (at > now) throw new InvalidArgumentError(`"${raw}" is in the future`);
  return Math.max(0, Math.floor(at / 1000));
}

/** 850 → "850ms", 63_000 → "1m 3s", 7_380_000 → "2h 3m". */
export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** How long ago an ISO time was, in one unit: "just now", "12s ago", "5m ago", "3h ago", "2d ago". */
export function ago(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '-';
  const s = Math.floor((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '-';
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** A deployment's run time: finished − started, or still running − started; "-" before it started. */
export function runTime(d: { startedAt: string | null; finishedAt: string | null }, now: number = Date.now()): string {
  if (!d.startedAt) return '-';
  return formatDuration((d.finishedAt ? Date.parse(d.finishedAt) : now) - Date.parse(d.startedAt));
}
