// Backup schedules' cron expressions (croner): five fields (minute … weekday) or a nickname (@daily),
// in an IANA time zone. Invalid input is a 400 naming the field.
import { Cron } from 'croner';
import { Invalid } from '../errors.ts';

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Checks a schedule; throws Invalid naming `<root>/cron` or `<root>/timezone`. */
export function assertSchedule(cron: string, timezone: string, root = 'body'): void {
  if (!validTimezone(timezone)) throw new Invalid([{ path: `${root}/timezone`, message: `"${timezone}" is not an IANA time zone (e.g. UTC, Europe/Berlin)` }]);
  const trimmed = cron.trim();
  if (!NICKNAMES.has(trimmed) && trimmed.split(/\s+/).length !== 5) {
    throw new Invalid([{ path: `${root}/cron`, message: 'expected five fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly' }]);
  }
  try {
    if (!new Cron(trimmed, { paused: true, timezone }).nextRun()) throw new Error('it never runs');
  } catch (err) {
    throw new Invalid([{ path: `${root}/cron`, message: `invalid cron expression: ${(err as Error).message}` }], { cause: err });
  }
}

/** The first run strictly after `from`. */
export function nextRunAt(cron: string, timezone: string, from: Date): Date {
  const next = new Cron(cron.trim(), { paused: true, timezone }).nextRun(from);
  if (!next) throw new Invalid([{ path: 'cron', message: 'the schedule has no future run' }]);
  return next;
}
