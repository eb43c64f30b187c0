// The environment tab's pure helpers: a pasted .env file is read like dotenv reads it, and the review
// step lists what a save changes without ever showing a secret's value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffEnv, parseDotEnv } from '../../web/src/pages/services/dotenv.ts';

describe('dashboard .env paste and diff', () => {
  it('reads KEY=value lines: export, comments, quotes, escapes, = inside values', () => {
    const text = [
      '# a comment',
      '',
      'PLAIN=hello world',
      'export TOKEN=abc123',
      'QUOTED="two\\nlines \\"q\\""',
      "SINGLE='no $expansion \\n here'",
      'URL=postgres://u:p@h/db?x=1 # trailing comment',
      'SPACED = value',
      'not a pair',
      'EMPTY=',
    ].join('\r\n');
    assert.deepEqual(parseDotEnv(text), [
      { key: 'PLAIN', value: 'hello world' },
      { key: 'TOKEN', value: 'abc123' },
      { key: 'QUOTED', value: 'two\nlines "q"' },
      { key: 'SINGLE', value: 'no $expansion \\n here' },
      { key: 'URL', value: 'postgres://u:p@h/db?x=1' },
      { key: 'SPACED', value: 'value' },
      { key: 'EMPTY', value: '' },
    ]);
  });

  it('lists added, changed, removed and secret-flag changes; secret values never appear', () => {
    const before = [
      { key: 'A', value: '1', secret: false },
      { key: 'B', value: null, secret: true },
      { key: 'C', value: 'x', secret: false },
      { key: 'D', value: 'same', secret: false },
      { key: 'E', value: 'plain', secret: false },
    ];
    const after = [
      { key: 'A', value: '2', secret: false },
      { key: 'B', value: 's3cr3t-new', secret: true },
      { key: 'D', value: 'same', secret: false },
      { key: 'E', value: 'plain', secret: true },
      { key: 'F', value: 'hush', secret: true },
      { key: '', value: 'ignored', secret: false },
    ];
    const changes = diffEnv(before, after);
    assert.deepEqual(changes, [
      { key: 'A', kind: 'changed', detail: '"1" → "2"' },
      { key: 'B', kind: 'changed', detail: 'new secret value' },
      { key: 'E', kind: 'changed', detail: 'now secret' },
      { key: 'F', kind: 'added', detail: 'secret, hidden value' },
      { key: 'C', kind: 'removed', detail: '' },
    ]);
    assert.ok(!JSON.stringify(changes).includes('s3cr3t') && !JSON.stringify(changes).includes('hush'));
    assert.deepEqual(diffEnv(before, before), [], 'an untouched secret (value null) is no change');
  });
});
