// The event bus: cross-replica signals (deployment log lines, job and service state changes) and
// rate-limit counters. Redis when REDIS_URL is set, in-process otherwise; both pass bus.contract.ts.
// Payloads are JSON values; delivery is at-most-once (durable state lives in PostgreSQL).

export type Unsubscribe = () => Promise<void>;

export interface EventBus {
  /** Publishes to one topic, e.g. `job.state` or `deployment.<id>.log`. */
  publish(topic: string, payload: unknown): Promise<void>;
  /**
   * Subscribes to a topic, or to a prefix when the pattern ends with `*` (`deployment.*`).
   * Resolves once the subscription is active (messages published after that are delivered).
   */
  subscribe(pattern: string, handler: (payload: unknown, topic: string) => void): Promise<Unsubscribe>;
  /** Fixed-window counter: increments `key` and returns the count within the current window. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
  close(): Promise<void>;
}
