import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ago, formatDuration, parseDuration, parseSince, runTime } from './time.ts';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');

describe('parseDuration', () => {
  it('reads one or several units', () => {
    assert.equal(parseDuration('45s'), 45);
    assert.equal(parseDuration('10m'), 600);
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('2d'), 172_800);
    assert.equal(parseDuration('1w'), 604_800);
    assert.equal(parseDuration('1.5h'), 5400);
    assert.equal(parseDuration('10M'), 600);
  });

  it('is undefined for anything else', () => {
    for (const raw of ['10', 'm', '10 m', '-5m', '10x', '', '2025-01-01']) assert.equal(parseDuration(raw), undefined, raw);
  });
});

describe('parseSince', () => {
  it('counts a duration back from now, in unix seconds', () => {
    assert.equal(parseSince('10m', NOW), NOW / 1000 - 600);
    assert.equal(parseSince('1h30m', NOW), NOW / 1000 - 5400);
  });

  it('reads an ISO time with an offset exactly, and one without as local time', () => {
    assert.equal(parseSince('2025-06-01T11:00:00Z', NOW), Date.parse('2025-06-01T11:00:00Z') / 1000);
    assert.equal(parseSince('2025-06-01T13:00:00+02:00', NOW), Date.parse('2025-06-01T11:00:00Z') / 1000);
    assert.equal(parseSince('2025-05-31T08:15', NOW), new Date(2025, 4, 31, 8, 15).getTime() / 1000);
    assert.equal(parseSince('2025-05-31 08:15:30', NOW), new Date(2025, 4, 31, 8, 15, 30).getTime() / 1000);
    assert.equal(parseSince('2025-05-30', NOW), new Date(2025, 4, 30).getTime() / 1000);
  });

  it('refuses what it cannot read, an impossible date, and the future', () => {
    assert.throws(() => parseSince('yesterday', NOW), /expected a duration such as 10m, 1h30m or 2d, or an ISO time/);
    assert.throws(() => parseSince('10', NOW), /expected a duration/);
    assert.throws(() => parseSince('2025-13-45', NOW), /not a valid date/);
    assert.throws(() => parseSince('2030-01-01T00:00:00Z', NOW), /in the future/);
  });
});

describe('formatDuration', () => {
  it('uses the two largest units that matter', () => {
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(12_400), '12s');
    assert.equal(formatDuration(63_000), '1m 3s');
    assert.equal(formatDuration(7_380_000), '2h 3m');
    assert.equal(formatDuration(90_000_000), '1d 1h');
    assert.equal(formatDuration(-5), '0ms');
  });
});

describe('ago', () => {
  it('says how long ago in one unit', () => {
    assert.equal(ago('2025-06-01T11:59:58Z', NOW), 'just now');
    assert.equal(ago('2025-06-01T11:59:48Z', NOW), '12s ago');
    assert.equal(ago('2025-06-01T11:55:00Z', NOW), '5m ago');
    assert.equal(ago('2025-06-01T09:00:00Z', NOW), '3h ago');
    assert.equal(ago('2025-05-29T12:00:00Z', NOW), '3d ago');
    assert.equal(ago(null, NOW), '-');
  });
});

describe('runTime', () => {
  it('is finished − started, or the time so far, or nothing before the start', () => {
    assert.equal(runTime({ startedAt: '2025-06-01T11:00:00Z', finishedAt: '2025-06-01T11:01:03Z' }, NOW), '1m 3s');
    assert.equal(runTime({ startedAt: '2025-06-01T11:59:30Z', finishedAt: null }, NOW), '30s');
    assert.equal(runTime({ startedAt: null, finishedAt: null }, NOW), '-');
  });
});
