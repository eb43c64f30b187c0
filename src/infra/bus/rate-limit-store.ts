// A @fastify/rate-limit store over EventBus.hit: with the Redis bus, login and setup limits are shared by
// every replica; with the memory bus they hold in-process. Fixed windows only: must never accept
// continueExceeding or exponentialBackoff (they need a TTL reset that hit() does not offer).
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { EventBus } from './bus.ts';

export interface BusRateLimitStoreOptions {
  /** Counter keys start with this, under the bus's own prefix. Default `rate-limit`. */
  namespace?: string;
}

/** What the plugin hands the constructor (its global options) and child() (merged route options). */
interface LimiterOptions {
  timeWindow?: unknown;
  continueExceeding?: boolean;
  exponentialBackoff?: boolean;
  groupId?: string;
  routeInfo?: { method?: string | string[]; url?: string };
}

type IncrCallback = Parameters<FastifyRateLimitStore['incr']>[1];

/** Returns the class to pass as the plugin's `store` option (the plugin instantiates it itself). */
export function busRateLimitStore(bus: EventBus, options: BusRateLimitStoreOptions = {}): FastifyRateLimitStoreCtor {
  const namespace = options.namespace ?? 'rate-limit';

  class BusRateLimitStore implements FastifyRateLimitStore {
    readonly #defaultWindow: number | undefined;
    readonly #scope: string;

    constructor(limiter: LimiterOptions, scope = '*') {
      if (limiter.continueExceeding || limiter.exponentialBackoff) {
        throw new Error('busRateLimitStore: continueExceeding and exponentialBackoff are not supported (fixed windows only)');
      }
      this.#defaultWindow = typeof limiter.timeWindow === 'number' ? limiter.timeWindow : undefined;
      this.#scope = scope;
    }

    /** The plugin passes the request's window (ms) and max after the callback. */
    incr(key: string, callback: IncrCallback, timeWindow?: number): void {
      const windowMs = Math.ceil(timeWindow ?? this.#defaultWindow ?? Number.NaN);
      // The window is part of the key: limiters with different windows never share a counter.
      bus.hit(`${namespace}:${this.#scope}:${windowMs}:${key}`, windowMs).then(
        ({ count, resetInMs }) => callback(null, { current: count, ttl: resetInMs }),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }

    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      const limiter = routeOptions as unknown as LimiterOptions;
      return new BusRateLimitStore(limiter, scopeOf(limiter));
    }
  }

  return BusRateLimitStore;
}

/** A group shares one counter across its routes; a route has its own; a routeless limiter uses `*`. */
function scopeOf({ groupId, routeInfo }: LimiterOptions): string {
  if (groupId) return `group:${groupId}`;
  if (routeInfo?.url) return `${[routeInfo.method ?? ''].flat().join(',')} ${routeInfo.url}`;
  return '*';
}
