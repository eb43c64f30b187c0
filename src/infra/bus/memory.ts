// In-process event bus: one replica only. Same contract as the Redis bus (bus.contract.ts).
import type { EventBus, Unsubscribe } from './bus.ts';

type Handler = (payload: unknown, topic: string) => void;

export class MemoryBus implements EventBus {
  readonly #subs = new Map<string, Set<Handler>>();
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  async publish(topic: string, payload: unknown): Promise<void> {
    // Deliver a copy, as Redis would: subscribers must not share (or mutate) the publisher's object.
    const json = JSON.stringify(payload ?? null);
    for (const [pattern, handlers] of this.#subs) {
      if (!matches(pattern, topic)) continue;
      for (const h of handlers) queueMicrotask(() => h(JSON.parse(json), topic));
    }
  }

  async subscribe(pattern: string, handler: Handler): Promise<Unsubscribe> {
    let set = this.#subs.get(pattern);
    if (!set) this.#subs.set(pattern, (set = new Set()));
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0) this.#subs.delete(pattern);
    };
  }

  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
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
    this.#subs.clear();
    this.#windows.clear();
  }

  #sweep(now: number): void {
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
  }
}

export function matches(pattern: string, topic: string): boolean {
  return pattern.endsWith('*') ? topic.startsWith(pattern.slice(0, -1)) : pattern === topic;
}
