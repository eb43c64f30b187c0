// Cron schedules: five fields or a nickname, an IANA zone; bad input names the field; next runs in the zone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Invalid } from '../errors.ts';
import { assertSchedule, nextRunAt } from './cron.ts';

const invalidAt = (path: string) => (err: unknown) => err instanceof Invalid && err.issues[0]!.path === path;

describe('backup schedules (cron)', () => {
  it('accepts five fields and nicknames', () => {
    for (const expr of ['0 3 * * *', '*/15 * * * 1-5', '@daily', '@hourly', '30 2 1 * *']) assertSchedule(expr, 'UTC');
  });

  it('refuses malformed expressions naming body/cron', () => {
    for (const expr of ['61 * * * *', '* * *', '0 3 * * * *', 'every day', '0 25 * * *', '']) {
      assert.throws(() => assertSchedule(expr, 'UTC'), invalidAt('body/cron'), expr);
    }
  });

  it('refuses an unknown time zone naming body/timezone', () => {
    assert.throws(() => assertSchedule('@daily', 'Mars/Olympus'), invalidAt('body/timezone'));
  });

  it('computes the next run in the schedule’s time zone, strictly after the given time', () => {
    assert.equal(nextRunAt('15 3 * * *', 'Europe/Berlin', new Date('2030-01-10T01:00:00Z')).toISOString(), '2030-01-10T02:15:00.000Z');
    assert.equal(nextRunAt('15 3 * * *', 'Europe/Berlin', new Date('2030-07-10T01:00:00Z')).toISOString(), '2030-07-10T01:15:00.000Z');
    assert.equal(nextRunAt('*/5 * * * *', 'UTC', new Date('2030-01-01T10:05:00Z')).toISOString(), '2030-01-01T10:10:00.000Z');
  });
});
