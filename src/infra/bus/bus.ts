// The event bus: cross-replica signals (deployment log lines, job and service state changes) and
// rate-limit counters. Redis when REDIS_URL is set, in-process otherwise; both pass bus.contract.ts.
// Payloads are JSON values; delivery is at-most-once (durable state lives in PostgreSQL).
// Must never hold state another replica needs, and never let a subscriber's error reach the publisher.

export type Unsubscribe = () => Promise<void>;

export type BusHandler = (payload: unknown, topic: string) => void;

/** Where a bus reports what it cannot throw: lost connections, failing handlers, undecodable messages. */
export type BusErrorSink = (err: unknown) => void;

export interface EventBus {
  /**
   * Publishes to one topic, e.g. `job.state` or `deployment.<id>.log`. `undefined` travels as `null`.
   * Rejects for a payload that is not JSON or a closed bus; a transport failure is reported to the
   * bus's `onError` and the message is dropped (at-most-once), so fire-and-forget calls are safe.
   */
  publish(topic: string, payload: unknown): Promise<void>;
  /**
   * Subscribes to a topic, or to a prefix when the pattern ends with `*` (`deployment.*`); every other
   * character is literal. Each call is its own subscription, even for the same handler.
   * Resolves once the subscription is active (messages published after that are delivered).
   * Handlers run outside the publisher's call stack; what they throw goes to `onError`.
   */
  subscribe(pattern: string, handler: BusHandler): Promise<Unsubscribe>;
  /**
   * Fixed-window counter: increments `key` and returns the count within the current window and the
   * time until it resets. `windowMs` is a positive integer; the window starts at the first hit.
   */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
  /** Idempotent. Afterwards publish, subscribe and hit reject; unsubscribing is a no-op. */
  close(): Promise<void>;
}
