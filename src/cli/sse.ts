// A parser for server-sent events (the WHATWG "event stream" format), fed text in arbitrary chunks:
// lines end in LF, CRLF or a lone CR (a CR at the end of one chunk and an LF at the start of the next
// are one line end); a blank line dispatches the event; `:` starts a comment; `data:` lines join with
// "\n"; `id:` persists across events (the last event id); `retry:` sets the reconnection delay; a
// field's value loses one leading space. An event with no data is not dispatched, and an unterminated
// event at the end of the stream is dropped, as the standard says.
import { ApiError } from './errors.ts';

export interface SseEvent {
  /** The `event:` field; "message" when absent. */
  event: string;
  data: string;
  /** The last event id seen so far on this stream (ids persist across events), if any. */
  id: string | undefined;
}

export class SseParser {
  #buffer = '';
  /** The previous chunk ended in CR: an LF starting the next one belongs to that line end. */
  #pendingCr = false;
  #started = false;
  #event = '';
  #data: string[] = [];
  #retry: number | undefined;
  #lastId: string | undefined;

  get lastEventId(): string | undefined {
    return this.#lastId;
  }

  /** The reconnection delay the server asked for with `retry:` (milliseconds), if it did. */
  get retryMs(): number | undefined {
    return this.#retry;
  }

  /** Feeds decoded text; returns the events it completed. */
  push(text: string): SseEvent[] {
    if (!this.#started && text.length) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#pendingCr && text.length) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.#pendingCr = false;
    }
    this.#buffer += text;

    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const cr = this.#buffer.indexOf('\r', start);
      const lf = this.#buffer.indexOf('\n', start);
      if (cr === -1 && lf === -1) break;
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      const line = this.#buffer.slice(start, end);
      if (this.#buffer[end] === '\r') {
        if (end + 1 === this.#buffer.length) {
          this.#pendingCr = true;
          start = end + 1;
        } else {
          start = this.#buffer[end + 1] === '\n' ? end + 2 : end + 1;
        }
      } else {
        start = end + 1;
      }
      const event = this.#line(line);
      if (event) events.push(event);
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const event = this.#data.length ? { event: this.#event || 'message', data: this.#data.join('\n'), id: this.#lastId } : undefined;
    this.#event = '';
    this.#data = [];
    return event;
  }
}

/** An event's data as JSON; a clear error (not a stack) when the server sent something else. */
export function eventJson<T>(e: SseEvent): T {
  try {
    return JSON.parse(e.data) as T;
  } catch {
    throw new ApiError(200, 'unexpected_response', `unexpected "${e.event}" event from the server: its data is not JSON`);
  }
}

/** The events of a byte stream (a fetch body), decoded as UTF-8 across chunk boundaries. */
export async function* readEvents(body: AsyncIterable<Uint8Array>, parser: SseParser = new SseParser()): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of body) yield* parser.push(decoder.decode(chunk, { stream: true }));
  yield* parser.push(decoder.decode());
}
