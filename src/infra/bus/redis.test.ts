// How RedisBus names things on the wire; pure, no Redis needed (the behaviour is in redis.int.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeGlob, toRedisTarget } from './redis.ts';

describe('toRedisTarget', () => {
  it('subscribes to an exact topic as one literal channel', () => {
    assert.deepEqual(toRedisTarget('berth:bus:', 'job.state'), { kind: 'channel', name: 'berth:bus:job.state' });
    assert.deepEqual(toRedisTarget('berth:bus:', 'a?[b]'), { kind: 'channel', name: 'berth:bus:a?[b]' });
  });

  it('turns a prefix pattern into a glob with only the trailing `*` left special', () => {
    assert.deepEqual(toRedisTarget('berth:bus:', 'deployment.*'), { kind: 'pattern', name: 'berth:bus:deployment.*' });
    assert.deepEqual(toRedisTarget('berth:bus:', '*'), { kind: 'pattern', name: 'berth:bus:*' });
    assert.deepEqual(toRedisTarget('x[1]:bus:', 'a*b?[c]\\*'), { kind: 'pattern', name: 'x\\[1\\]:bus:a\\*b\\?\\[c\\]\\\\*' });
  });
});

describe('escapeGlob', () => {
  it('escapes every Redis glob metacharacter and nothing else', () => {
    assert.equal(escapeGlob('*?[]\\'), '\\*\\?\\[\\]\\\\');
    assert.equal(escapeGlob('plain.topic-1:^!'), 'plain.topic-1:^!');
  });
});
