// In-process event bus: one replica only (no REDIS_URL). Same contract as the Redis bus (bus.contract.ts).
// Must never be used when several replicas run: its messages and counters stay inside this process.
import type { BusErrorSink, BusHandler, EventBus, Unsubscribe } from './bus.ts';
import { assertWindow, closedError, deliver, encodePayload, ignoreErrors, matches } from './rules.ts';

export { matches } from './rules.ts';

export interface MemoryBusOptions {
  /** Receives what handlers throw. Default: ignored. */
  onError?: BusErrorSink;
}

/** One subscribe() call; its identity, not the handler's, is what unsubscribe removes. */
interface Subscription {
  handler: BusHandler;
  active: boolean;
}

export class MemoryBus implements EventBus {
  readonly #subs = new Map<string, Set<Subscription>>();
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  readonly #onError: BusErrorSink;
  #closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.#onError = options.onError ?? ignoreErrors;
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    this.#assertOpen();
    // Deliver a copy, as Redis would: subscribers must not share (or mutate) the publisher's object.
    const json = encodePayload(payload);
    for (const [pattern, subs] of this.#subs) {
      if (!matches(pattern, topic)) continue;
      for (const sub of subs) {
        queueMicrotask(() => {
          if (sub.active) deliver(sub.handler, json, topic, this.#onError);
        });
      }
    }
  }

  async subscribe(pattern: string, handler: BusHandler): Promise<Unsubscribe> {
    this.#assertOpen();
    let subs = this.#subs.get(pattern);
    if (!subs) this.#subs.set(pattern, (subs = new Set()));
    const sub: Subscription = { handler, active: true };
    subs.add(sub);
    return async () => {
      sub.active = false;
      const current = this.#subs.get(pattern);
      current?.delete(sub);
      if (current?.size === 0) this.#subs.delete(pattern);
    };
  }

  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    this.#assertOpen();
    assertWindow(windowMs);
    const now = Date.now();
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, w);
      if (this.#windows.size > 10_000) this.#sweep(now);
    }
    w.count++;
    return { count: w.count, resetInMs: w.resetAt - now };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const subs of this.#subs.values()) for (const sub of subs) sub.active = false;
    this.#subs.clear();
    this.#windows.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw closedError();
  }

  #sweep(now: number): void {
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
  }
}
