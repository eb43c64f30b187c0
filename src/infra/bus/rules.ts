// Rules every bus implementation shares, so they behave alike: topic patterns, payload encoding,
// isolating handlers, validating windows. Pure functions; must never do I/O.
import type { BusErrorSink, BusHandler } from './bus.ts';

/** `prefix*` matches topics starting with `prefix`; any other pattern matches itself only. */
export function matches(pattern: string, topic: string): boolean {
  return pattern.endsWith('*') ? topic.startsWith(pattern.slice(0, -1)) : pattern === topic;
}

/** Serialises at publish time, so later mutation by the publisher is never seen by subscribers. */
export function encodePayload(payload: unknown): string {
  const json = JSON.stringify(payload ?? null);
  if (json === undefined) throw new TypeError(`bus payloads must be JSON values, got ${typeof payload}`);
  return json;
}

/** Hands a fresh copy to one handler; a throw, a rejection or an undecodable message goes to `onError`. */
export function deliver(handler: BusHandler, json: string, topic: string, onError: BusErrorSink): void {
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch (err) {
    onError(new Error(`bus: message on ${topic} is not JSON`, { cause: err }));
    return;
  }
  try {
    const result: unknown = handler(payload, topic);
    if (result instanceof Promise) result.catch(onError);
  } catch (err) {
    onError(err);
  }
}

export function assertWindow(windowMs: number): void {
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw new RangeError(`bus: windowMs must be a positive integer, got ${windowMs}`);
  }
}

export function closedError(): Error {
  return new Error('bus: closed');
}

export const ignoreErrors: BusErrorSink = () => {};
