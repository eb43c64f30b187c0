// Decoding the Engine API's streams: multiplexed log frames into lines, newline-delimited JSON into
// values, and an HTTP body into chunks that stop when an AbortSignal fires.
// Must never buffer a whole stream (logs can follow forever) and never split a UTF-8 character.
import { StringDecoder } from 'node:string_decoder';

export type LogStream = 'stdout' | 'stderr';

export interface LogLine {
  stream: LogStream;
  /** The line without its newline (and without a trailing carriage return). */
  line: string;
  /** The engine's RFC 3339 timestamp with nanoseconds, as sent; empty if the engine sent none. */
  timestamp: string;
}

export interface Frame {
  stream: 'stdin' | LogStream;
  payload: Buffer;
}

const FRAME_STREAMS = ['stdin', 'stdout', 'stderr'] as const;
const HEADER_BYTES = 8;
const NEWLINE = 0x0a;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) /;

function asBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

/** Splits Docker's multiplexed stream: each frame is [type, 0, 0, 0, size (uint32 BE)] + payload. */
export async function* demultiplex(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<Frame> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    pending = pending.length > 0 ? Buffer.concat([pending, asBuffer(chunk)]) : asBuffer(chunk);
    while (pending.length >= HEADER_BYTES) {
      const size = pending.readUInt32BE(4);
      if (pending.length < HEADER_BYTES + size) break;
      yield { stream: FRAME_STREAMS[pending[0] ?? 1] ?? 'stdout', payload: pending.subarray(HEADER_BYTES, HEADER_BYTES + size) };
      pending = pending.subarray(HEADER_BYTES + size);
    }
  }
}

/**
 * A TTY service's logs are not multiplexed: everything is stdout, cut anywhere. Re-cut at newlines so
 * each frame starts a message, as multiplexed frames do.
 */
export async function* rawFrames(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<Frame> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    pending = pending.length > 0 ? Buffer.concat([pending, asBuffer(chunk)]) : asBuffer(chunk);
    let newline: number;
    while ((newline = pending.indexOf(NEWLINE)) !== -1) {
      yield { stream: 'stdout', payload: pending.subarray(0, newline + 1) };
      pending = pending.subarray(newline + 1);
    }
  }
  if (pending.length > 0) yield { stream: 'stdout', payload: pending };
}

function splitTimestamp(piece: Buffer): { timestamp: string; body: Buffer } {
  const head = piece.subarray(0, 40).toString('latin1');
  const match = TIMESTAMP.exec(head);
  if (!match) return { timestamp: '', body: piece };
  return { timestamp: match[0].trimEnd(), body: piece.subarray(match[0].length) };
}

function toLine(stream: LogStream, bytes: Buffer, timestamp: string): LogLine {
  const text = bytes.toString('utf8');
  return { stream, line: text.endsWith('\r') ? text.slice(0, -1) : text, timestamp };
}

/**
 * Frames (with the engine's `timestamps=true` prefix on each message) into lines. A long message
 * arrives as several frames, each with its own timestamp; the line keeps the first one.
 */
export async function* logLines(frames: AsyncIterable<Frame>): AsyncGenerator<LogLine> {
  const held = new Map<LogStream, { timestamp: string; bytes: Buffer }>();
  for await (const { stream, payload } of frames) {
    if (stream === 'stdin') continue;
    let rest = payload;
    while (rest.length > 0) {
      const { timestamp, body } = splitTimestamp(rest);
      const newline = body.indexOf(NEWLINE);
      const piece = body.subarray(0, newline === -1 ? body.length : newline);
      const start = held.get(stream);
      const bytes = start ? Buffer.concat([start.bytes, piece]) : piece;
      const lineTimestamp = start?.timestamp ?? timestamp;
      if (newline === -1) {
        held.set(stream, { timestamp: lineTimestamp, bytes });
        break;
      }
      held.delete(stream);
      yield toLine(stream, bytes, lineTimestamp);
      rest = body.subarray(newline + 1);
    }
  }
  for (const [stream, { timestamp, bytes }] of held) yield toLine(stream, bytes, timestamp);
}

/** Newline-delimited JSON (the events stream) into parsed values. */
export async function* jsonLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += decoder.write(asBuffer(chunk));
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield JSON.parse(line);
    }
  }
  const last = (pending + decoder.end()).trim();
  if (last) yield JSON.parse(last);
}

interface Destroyable {
  destroy(error?: Error): unknown;
}

/**
 * The chunks of an HTTP body until it ends or `signal` aborts (then it ends quietly). The body is
 * closed when the consumer stops early too, so a follow stream never outlives its reader.
 */
export async function* readUntilAborted(
  body: NodeJS.ReadableStream & Destroyable,
  signal?: AbortSignal,
): AsyncGenerator<Buffer | string> {
  const close = () => body.destroy();
  if (signal?.aborted) return close();
  signal?.addEventListener('abort', close, { once: true });
  try {
    for await (const chunk of body) yield chunk;
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    signal?.removeEventListener('abort', close);
    close();
  }
}
