import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, CliError, EXIT, UnreachableError } from './errors.ts';
import { clean, logText, Output, renderError, shortDate, shortId, table } from './output.ts';

function capture() {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

describe('table', () => {
  it('aligns columns under capitalised headers, without trailing spaces', () => {
    assert.equal(
      table(['name', 'description'], [['shop', 'The web shop'], ['blog', null]]),
      ['NAME  DESCRIPTION', 'shop  The web shop', 'blog  -'].join('\n'),
    );
  });
});

describe('clean', () => {
  it('neutralises terminal control characters from the server', () => {
    assert.equal(clean('ok\u001b[2Jgone\r\nx\u009b'), 'ok?[2Jgone??x?');
    assert.equal(clean(undefined), '-');
    assert.equal(clean(3), '3');
  });
});

describe('logText', () => {
  it('drops colours and other escape sequences, keeps tabs, shows other controls as ?', () => {
    assert.equal(logText('\u001b[32m#5 DONE\u001b[0m 0.3s'), '#5 DONE 0.3s');
    assert.equal(logText('\u001b]0;title\u0007step\tone\r\n'), 'step\tone');
    assert.equal(logText('progress\r'), 'progress');
    assert.equal(logText('a\rb\u0000c\u009b2Jd'), 'a?b?cd');
  });
});

describe('shortId', () => {
  it('keeps the first 8 characters', () => {
    assert.equal(shortId('907c122c-eb2a-4d0e-bf0b-492939a237d6'), '907c122c');
  });
});

describe('shortDate', () => {
  it('keeps the date and minutes', () => {
    assert.equal(shortDate('2025-01-31T12:34:56.789Z'), '2025-01-31 12:34');
    assert.equal(shortDate(null), '-');
  });
});

describe('Output', () => {
  it('prints JSON with --json, else the human rendering', () => {
    const out = capture();
    const err = capture();
    new Output(out, err, true).result({ a: 1 }, () => 'never');
    assert.deepEqual(JSON.parse(out.text()), { a: 1 });
    const human = capture();
    new Output(human, err, false).result({ a: 1 }, (d) => [`a is ${d.a}`, 'done']);
    assert.equal(human.text(), 'a is 1\ndone\n');
    assert.equal(err.text(), '');
  });
});

describe('renderError', () => {
  it("prints the server's message, or its issues one per line", () => {
    const one = new ApiError(400, 'invalid', 'body/name: expected a DNS label', [{ path: 'body/name', message: 'expected a DNS label' }]);
    assert.deepEqual(renderError(one, { json: false }), { text: 'error: body/name: expected a DNS label\n', exitCode: EXIT.failed });
    const two = new ApiError(400, 'invalid', 'x', [
      { path: 'body/name', message: 'bad' },
      { path: 'body/spec/port', message: 'too big' },
    ]);
    assert.equal(renderError(two, { json: false }).text, 'error: invalid input (400):\n  body/name: bad\n  body/spec/port: too big\n');
  });

  it('renders JSON errors for --json', () => {
    const r = renderError(new ApiError(403, 'forbidden', 'your role (member) does not allow project.write'), { json: true });
    assert.deepEqual(JSON.parse(r.text), { error: 'forbidden', status: 403, message: 'your role (member) does not allow project.write' });
    assert.deepEqual(JSON.parse(renderError(new UnreachableError('http://x', 'connection refused'), { json: true }).text), {
      error: 'unreachable',
      message: 'cannot reach http://x: connection refused',
    });
  });

  it("uses a CliError's own code in JSON", () => {
    const r = renderError(new CliError('deployment 907c122c failed: no Docker', EXIT.failed, { code: 'deployment_failed' }), { json: true });
    assert.deepEqual(JSON.parse(r.text), { error: 'deployment_failed', message: 'deployment 907c122c failed: no Docker' });
    assert.equal(JSON.parse(renderError(new CliError('nope'), { json: true }).text).error, 'usage');
  });

  it('maps each failure kind to its exit code', () => {
    assert.equal(renderError(new ApiError(401, 'unauthorized', 'no'), { json: false }).exitCode, EXIT.unauthenticated);
    assert.match(renderError(new ApiError(401, 'unauthorized', 'no'), { json: false }).text, /berth login/);
    assert.equal(renderError(new UnreachableError('http://x', 'connection refused'), { json: false }).exitCode, EXIT.unreachable);
    assert.equal(renderError(new CliError('nope'), { json: false }).exitCode, EXIT.failed);
  });

  it('keeps the stack of an unexpected error for BERTH_DEBUG only', () => {
    const quiet = renderError(new TypeError('boom'), { json: false });
    assert.match(quiet.text, /^error: unexpected: boom\n\(set BERTH_DEBUG=1/);
    assert.doesNotMatch(quiet.text, /\n\s+at /);
    assert.match(renderError(new TypeError('boom'), { json: false, debug: true }).text, /\n\s+at /);
  });
});
