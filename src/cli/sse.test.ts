import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventJson, readEvents, SseParser, type SseEvent } from './sse.ts';

/** Feeds the chunks in order and returns every event. */
function parse(chunks: string[], parser = new SseParser()): SseEvent[] {
  return chunks.flatMap((c) => parser.push(c));
}

/** Every way of cutting `text` in two (and in single characters): the events must not change. */
function everySplit(text: string): string[][] {
  const cuts = Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
  return [...cuts, [...text]];
}

const BERTH_LOG =
  ': berth\n\n' +
  'id: 1\nevent: line\ndata: {"seq":1,"at":"2025-01-01T00:00:00.000Z","line":"==> source"}\n\n' +
  ': keep-alive\n\n' +
  'id: 2\nevent: line\ndata: {"seq":2,"at":"2025-01-01T00:00:01.000Z","line":"==> failed: no Docker"}\n\n' +
  'event: end\ndata: {"status":"failed","reason":"no Docker"}\n\n';

describe('SseParser', () => {
  it("parses Berth's deployment log: comments skipped, ids kept, the end event", () => {
    const events = parse([BERTH_LOG]);
    assert.deepEqual(
      events.map((e) => [e.event, e.id, JSON.parse(e.data)]),
      [
        ['line', '1', { seq: 1, at: '2025-01-01T00:00:00.000Z', line: '==> source' }],
        ['line', '2', { seq: 2, at: '2025-01-01T00:00:01.000Z', line: '==> failed: no Docker' }],
        // The id persists: the end event carries the last one seen.
        ['end', '2', { status: 'failed', reason: 'no Docker' }],
      ],
    );
  });

  it('gives the same events wherever the chunks are cut (mid-line, mid-field, between CR and LF)', () => {
    const expected = parse([BERTH_LOG]);
    for (const chunks of everySplit(BERTH_LOG)) assert.deepEqual(parse(chunks), expected, JSON.stringify(chunks));
    const crlf = BERTH_LOG.replace(/\n/g, '\r\n');
    for (const chunks of everySplit(crlf)) assert.deepEqual(parse(chunks), expected, JSON.stringify(chunks));
  });

  it('accepts CRLF, lone CR and LF line ends, mixed', () => {
    const events = parse(['event: a\r\ndata: 1\r\n\r\n', 'event: b\rdata: 2\r\r', 'data: 3\n\n']);
    assert.deepEqual(events.map((e) => [e.event, e.data]), [['a', '1'], ['b', '2'], ['message', '3']]);
  });

  it('does not take an LF after a CR that ended the previous chunk for a blank line', () => {
    // "data: x\r" | "\n" | "\r\n": one line end, then the blank line: exactly one event.
    assert.deepEqual(parse(['data: x\r', '\n', '\r\n']).map((e) => e.data), ['x']);
    // An empty chunk in between changes nothing.
    assert.deepEqual(parse(['data: x\r', '', '\n', '\r\n']).map((e) => e.data), ['x']);
  });

  it('joins multi-line data with newlines, and keeps empty data lines', () => {
    const [e] = parse(['data: first\ndata:\ndata:  indented\ndata\n\n']);
    assert.equal(e!.data, 'first\n\n indented\n');
  });

  it('removes one space after the colon, no more; a line without a colon is a field with no value', () => {
    const [e] = parse(['event:line\ndata:  two spaces\n\n']);
    assert.equal(e!.event, 'line');
    assert.equal(e!.data, ' two spaces');
    const [bare] = parse(['data\n\n']);
    assert.equal(bare!.data, '');
  });

  it('skips comments anywhere, even between the fields of one event', () => {
    const events = parse([': hello\nevent: line\n: in the middle\ndata: x\n\n:\n\n']);
    assert.deepEqual(events.map((e) => [e.event, e.data]), [['line', 'x']]);
  });

  it('does not dispatch an event without data, and resets the event name after each blank line', () => {
    const events = parse(['event: ping\n\n', 'data: after\n\n']);
    assert.deepEqual(events.map((e) => [e.event, e.data]), [['message', 'after']]);
  });

  it('drops an unterminated event at the end', () => {
    const parser = new SseParser();
    assert.deepEqual(parse(['data: complete\n\ndata: cut off\n'], parser).map((e) => e.data), ['complete']);
  });

  it('ignores unknown fields, an id with NUL, and a retry that is not a number; keeps a good retry', () => {
    const parser = new SseParser();
    const events = parse(['id: 7\nfoo: bar\ndata: a\n\n', 'id: bad\0id\nretry: soon\ndata: b\n\n', 'retry: 2500\n\n'], parser);
    assert.deepEqual(events.map((e) => [e.id, e.data]), [['7', 'a'], ['7', 'b']]);
    assert.equal(parser.lastEventId, '7');
    assert.equal(parser.retryMs, 2500);
  });

  it('an empty id clears the last event id', () => {
    const events = parse(['id: 3\ndata: a\n\nid\ndata: b\n\n']);
    assert.deepEqual(events.map((e) => e.id), ['3', '']);
  });

  it('strips a byte order mark at the start of the stream only', () => {
    assert.deepEqual(parse(['\ufeffdata: x\n\n']).map((e) => e.data), ['x']);
    assert.deepEqual(parse(['data: x\n\n', '\ufeffdata: y\n\n']).map((e) => e.event), ['message']);
  });
});

describe('readEvents', () => {
  async function* bytes(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
    yield* chunks;
  }

  it('decodes UTF-8 split inside a character, and reports the last event id', async () => {
    const encoded = new TextEncoder().encode('id: 9\nevent: line\ndata: {"line":"déploiement ✓ 🚀"}\n\n');
    const chunks: Uint8Array[] = [];
    // Cut at every byte: multi-byte characters arrive in pieces.
    for (let i = 0; i < encoded.length; i++) chunks.push(encoded.subarray(i, i + 1));
    const parser = new SseParser();
    const events: SseEvent[] = [];
    for await (const e of readEvents(bytes(chunks), parser)) events.push(e);
    assert.deepEqual(events, [{ event: 'line', data: '{"line":"déploiement ✓ 🚀"}', id: '9' }]);
    assert.equal(parser.lastEventId, '9');
  });
});

describe('eventJson', () => {
  it("parses an event's data, or says the server sent something else", () => {
    assert.deepEqual(eventJson({ event: 'end', data: '{"status":"failed"}', id: undefined }), { status: 'failed' });
    assert.throws(() => eventJson({ event: 'line', data: '<html>', id: undefined }), { name: 'ApiError', message: 'unexpected "line" event from the server: its data is not JSON' });
  });
});
