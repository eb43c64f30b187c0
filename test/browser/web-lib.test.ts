// The dashboard's pure helpers: relative times, which API issue a form field shows, and the only
// places ?next= may send a user after signing in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { issueFor } from '../../web/src/lib/issues.ts';
import { safeNext } from '../../web/src/lib/nav.ts';
import { relative } from '../../web/src/lib/time.ts';

describe('dashboard helpers', () => {
  it('relative times pick the unit and the direction', () => {
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
    const now = Date.parse('2026-01-10T12:00:00Z');
    const at = (s: number) => relative(new Date(now + s * 1000), now);
    assert.equal(at(-3), 'just now');
    assert.equal(at(-42), rtf.format(-42, 'second'));
    assert.equal(at(-3 * 60), rtf.format(-3, 'minute'));
    assert.equal(at(2 * 3600), rtf.format(2, 'hour'));
    assert.equal(at(-86400), rtf.format(-1, 'day'));
    assert.equal(at(-90 * 86400), rtf.format(-3, 'month'));
    assert.equal(at(-800 * 86400), rtf.format(-2, 'year'));
  });

  it('a field shows the issue whose path names it', () => {
    const issues = [
      { path: 'body/name', message: 'bad name' },
      { path: 'body/spec/replicas', message: 'too many' },
      { path: 'querystring/limit', message: 'too big' },
    ];
    assert.equal(issueFor(issues, 'name'), 'bad name');
    assert.equal(issueFor(issues, 'replicas'), 'too many');
    assert.equal(issueFor(issues, 'spec/replicas'), 'too many');
    assert.equal(issueFor(issues, 'limit'), 'too big');
    assert.equal(issueFor(issues, 'email'), undefined);
    assert.equal(issueFor(issues, 'ame'), undefined, 'whole path segments only');
  });

  it('?next= only leads to a path on this site', () => {
    assert.equal(safeNext('/orgs/acme'), '/orgs/acme');
    assert.equal(safeNext('/orgs/acme/projects/web?tab=logs'), '/orgs/acme/projects/web?tab=logs');
    for (const bad of [null, '', 'https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/ x']) {
      assert.equal(safeNext(bad), '/', String(bad));
    }
  });
});
