// The event bus room's front door: picks Redis when a URL is configured, the in-process bus otherwise.
// Must never pick silently between them at runtime: the choice is made once, from config, at startup.
import type { BusErrorSink, EventBus } from './bus.ts';
import { MemoryBus } from './memory.ts';

export type { BusErrorSink, BusHandler, EventBus, Unsubscribe } from './bus.ts';
export { busRateLimitStore } from './rate-limit-store.ts';

export interface CreateBusOptions {
  /** REDIS_URL. Unset: in-process bus, one replica only. */
  redisUrl?: string;
  /** Redis only: namespace for channels and counters. Default `berth:`. */
  keyPrefix?: string;
  /** Lost connections, failing handlers, dropped publishes. Pass the server's logger. */
  onError?: BusErrorSink;
}

/** Async because the Redis client is only loaded when Redis is configured (it costs ~10 MiB of RSS). */
export async function createBus(options: CreateBusOptions = {}): Promise<EventBus> {
  const { redisUrl, keyPrefix, onError } = options;
  if (!redisUrl) return new MemoryBus({ onError });
  const { RedisBus } = await import('./redis.ts');
  return new RedisBus({ url: redisUrl, keyPrefix, onError });
}
