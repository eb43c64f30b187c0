// Retention is a pure plan: which backups' objects go, given count and age limits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planRetention, type RetentionCandidate } from './retention.ts';

const now = new Date('2030-06-30T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const b = (id: string, age: number, status: RetentionCandidate['status'] = 'succeeded'): RetentionCandidate => ({ id, status, createdAt: daysAgo(age) });

describe('planRetention', () => {
  it('keeps the newest N good backups by count', () => {
    assert.deepEqual(planRetention([b('a', 4), b('b', 3), b('c', 2), b('d', 1)], { keepCount: 2 }, now), ['b', 'a']);
  });

  it('removes good backups older than the age limit', () => {
    assert.deepEqual(planRetention([b('new', 1), b('mid', 5), b('old', 10)], { keepDays: 7 }, now), ['old']);
  });

  it('applies both limits together', () => {
    assert.deepEqual(planRetention([b('a', 1), b('b', 2), b('c', 3), b('d', 30)], { keepCount: 3, keepDays: 7 }, now), ['d']);
  });

  it('never removes the newest good backup, however old', () => {
    assert.deepEqual(planRetention([b('only', 400), b('older', 500)], { keepDays: 7 }, now), ['older']);
  });

  it('removes failed backups once a newer backup exists, and keeps the newest even when it failed', () => {
    assert.deepEqual(planRetention([b('good', 3), b('bad-old', 2, 'failed'), b('bad-new', 1, 'failed')], { keepCount: 5 }, now), ['bad-old']);
  });

  it('without limits, keeps every good backup', () => {
    assert.deepEqual(planRetention([b('a', 1), b('b', 100)], {}, now), []);
  });
});
