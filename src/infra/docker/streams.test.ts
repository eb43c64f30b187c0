import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { demultiplex, jsonLines, logLines, rawFrames, readUntilAborted, type Frame, type LogLine } from './streams.ts';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

async function* chunksOf(buffer: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const T1 = '2026-11-27T04:45:39.545563691Z';
const T2 = '2026-11-27T04:45:39.600000000Z';

describe('demultiplex', () => {
  it('splits frames even when headers and payloads straddle chunks', async () => {
    const wire = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, '')]);
    for (const size of [1, 3, 8, 100]) {
      const frames = await collect(demultiplex(chunksOf(wire, size)));
      assert.deepEqual(frames.map((f) => [f.stream, f.payload.toString()]), [['stdout', 'out\n'], ['stderr', 'err\n'], ['stdout', '']]);
    }
  });
});

describe('logLines', () => {
  it('strips the timestamp and keeps the stream of each line', async () => {
    const wire = Buffer.concat([frame(1, `${T1} listening on :8080\n`), frame(2, `${T2} oops\r\n`)]);
    const lines = await collect(logLines(demultiplex(chunksOf(wire, 5))));
    assert.deepEqual(lines, [
      { stream: 'stdout', line: 'listening on :8080', timestamp: T1 },
      { stream: 'stderr', line: 'oops', timestamp: T2 },
    ] satisfies LogLine[]);
  });

  it('joins a long message sent as partial frames, keeping the first timestamp', async () => {
    const frames: Frame[] = [
      { stream: 'stdout', payload: Buffer.from(`${T1} first half, `) },
      { stream: 'stderr', payload: Buffer.from(`${T1} interleaved\n`) },
      { stream: 'stdout', payload: Buffer.from(`${T2} second half\n`) },
    ];
    const lines = await collect(logLines((async function* () { yield* frames; })()));
    assert.deepEqual(lines, [
      { stream: 'stderr', line: 'interleaved', timestamp: T1 },
      { stream: 'stdout', line: 'first half, second half', timestamp: T1 },
    ]);
  });

  it('does not split a UTF-8 character cut across chunks', async () => {
    const wire = frame(1, `${T1} café ☕\n`);
    const lines = await collect(logLines(demultiplex(chunksOf(wire, 1))));
    assert.equal(lines[0]?.line, 'café ☕');
  });

  it('flushes a last line without a newline, and reads TTY output as stdout', async () => {
    const lines = await collect(logLines(rawFrames(chunksOf(Buffer.from(`${T1} a\n${T2} b`), 4))));
    assert.deepEqual(lines, [
      { stream: 'stdout', line: 'a', timestamp: T1 },
      { stream: 'stdout', line: 'b', timestamp: T2 },
    ]);
  });

  it('leaves a line without a timestamp whole', async () => {
    const lines = await collect(logLines(rawFrames(chunksOf(Buffer.from('plain line\n'), 100))));
    assert.deepEqual(lines, [{ stream: 'stdout', line: 'plain line', timestamp: '' }]);
  });
});

describe('jsonLines', () => {
  it('parses newline-delimited JSON across chunk boundaries', async () => {
    const wire = Buffer.from('{"Type":"service","Action":"créé"}\n\n{"n":2}\n{"n":3}');
    const values = await collect(jsonLines(chunksOf(wire, 3)));
    assert.deepEqual(values, [{ Type: 'service', Action: 'créé' }, { n: 2 }, { n: 3 }]);
  });
});

describe('readUntilAborted', () => {
  it('ends quietly when the signal aborts, and closes the body', async () => {
    const body = new PassThrough();
    const controller = new AbortController();
    const seen: string[] = [];
    body.write('one');
    for await (const chunk of readUntilAborted(body, controller.signal)) {
      seen.push(chunk.toString());
      controller.abort();
    }
    assert.deepEqual(seen, ['one']);
    assert.equal(body.destroyed, true);
  });

  it('closes the body when the reader stops early', async () => {
    const body = new PassThrough();
    body.write('one');
    for await (const _chunk of readUntilAborted(body)) break;
    assert.equal(body.destroyed, true);
  });

  it('passes on a failure that is not an abort', async () => {
    const body = new PassThrough();
    setTimeout(() => body.destroy(new Error('socket hang up')), 1);
    await assert.rejects(collect(readUntilAborted(body)), /socket hang up/);
  });
});
