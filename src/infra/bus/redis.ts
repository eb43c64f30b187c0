// Event bus over Redis (REDIS_URL): what every replica shares. Same contract as the memory bus (bus.contract.ts).
// Must never crash the process on a lost connection (errors go to onError; ioredis reconnects and
// re-subscribes), never let a topic become a glob pattern, never touch keys outside its key prefix.
import { Redis } from 'ioredis';
import type { BusErrorSink, BusHandler, EventBus, Unsubscribe } from './bus.ts';
import { assertWindow, closedError, deliver, encodePayload, ignoreErrors } from './rules.ts';

export interface RedisBusOptions {
  url: string;
  /** Namespaces channels and counters so several installations can share one Redis. Default `berth:`. */
  keyPrefix?: string;
  /** Receives connection errors, handler errors, dropped publishes. Default: ignored. */
  onError?: BusErrorSink;
  /**
   * How many reconnect attempts a command waits through before it fails (ioredis' maxRetriesPerRequest).
   * Default 3 (≈ 0.3 s): a login's rate-limit check must not hang for ~10 s behind a down Redis.
   */
  maxRetriesPerRequest?: number;
}

/** What one of our patterns becomes on the wire: a channel (SUBSCRIBE) or a glob (PSUBSCRIBE). */
export interface RedisTarget {
  kind: 'channel' | 'pattern';
  name: string;
}

/** One Redis (p)subscription shared, reference-counted, by every subscribe() call for the same pattern. */
interface Shared {
  target: RedisTarget;
  subs: Set<{ handler: BusHandler }>;
  ready: Promise<unknown>;
}

export class RedisBus implements EventBus {
  readonly #url: string;
  readonly #keyPrefix: string;
  readonly #maxRetriesPerRequest: number;
  readonly #onError: BusErrorSink;
  readonly #channelPrefix: string;
  readonly #pub: Redis;
  #sub: Redis | undefined;
  readonly #shared = new Map<string, Shared>();
  #closing: Promise<void> | undefined;

  constructor(options: RedisBusOptions) {
    this.#url = options.url;
    this.#keyPrefix = options.keyPrefix ?? 'berth:';
    this.#maxRetriesPerRequest = options.maxRetriesPerRequest ?? 3;
    this.#onError = options.onError ?? ignoreErrors;
    this.#channelPrefix = `${this.#keyPrefix}bus:`;
    this.#pub = this.#connect('pub');
  }

  async publish(topic: string, payload: unknown): Promise<void> {
    this.#assertOpen();
    const json = encodePayload(payload);
    try {
      await this.#pub.publish(this.#channelPrefix + topic, json);
    } catch (err) {
      this.#onError(new Error(`bus: dropped a message on ${topic}`, { cause: err }));
    }
  }

  async subscribe(pattern: string, handler: BusHandler): Promise<Unsubscribe> {
    this.#assertOpen();
    const target = toRedisTarget(this.#channelPrefix, pattern);
    const key = `${target.kind}:${target.name}`;
    let shared = this.#shared.get(key);
    if (!shared) {
      shared = { target, subs: new Set(), ready: this.#redisSubscribe(target) };
      this.#shared.set(key, shared);
    }
    const sub = { handler };
    shared.subs.add(sub);
    const leave = () => {
      shared.subs.delete(sub);
      if (shared.subs.size > 0 || this.#shared.get(key) !== shared) return false;
      this.#shared.delete(key);
      return true;
    };
    try {
      await shared.ready;
    } catch (err) {
      leave();
      throw err;
    }
    let done = false;
    return async () => {
      if (done || this.#closing) return;
      done = true;
      // Local delivery stops now; the server-side unsubscribe is not worth waiting for (nor failing on).
      if (leave()) this.#redisUnsubscribe(target).catch(this.#onError);
    };
  }

  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    this.#assertOpen();
    assertWindow(windowMs);
    const k = `${this.#keyPrefix}hit:${key}`;
    // One transaction: the expiry is set by the hit that creates the key (NX), and a key that somehow
    // lost its TTL gets one back instead of counting forever.
    const replies = await this.#pub.multi().incr(k).pexpire(k, windowMs, 'NX').pttl(k).exec();
    if (!replies) throw new Error('bus: hit transaction was aborted');
    for (const [err] of replies) if (err) throw err;
    const count = Number(replies[0]?.[1]);
    const ttl = Number(replies[2]?.[1]);
    return { count, resetInMs: ttl > 0 ? ttl : windowMs };
  }

  close(): Promise<void> {
    this.#closing ??= Promise.all([quit(this.#pub), this.#sub && quit(this.#sub)]).then(() => {
      this.#shared.clear();
    });
    return this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing) throw closedError();
  }

  #connect(role: 'pub' | 'sub'): Redis {
    const conn = new Redis(this.#url, {
      connectionName: `${this.#keyPrefix}${role}`.replace(/[^\x21-\x7e]/g, '_'),
      maxRetriesPerRequest: this.#maxRetriesPerRequest,
    });
    // Without a listener ioredis prints every failed reconnect attempt; with one, nothing throws.
    conn.on('error', (err: Error) => this.#onError(new Error(`bus: redis ${role} connection: ${err.message}`, { cause: err })));
    return conn;
  }

  /** The subscriber connection, created on the first subscribe (publish-only replicas never open it). */
  #subscriber(): Redis {
    if (this.#sub) return this.#sub;
    const sub = this.#connect('sub');
    sub.on('message', (channel: string, message: string) => this.#dispatch(`channel:${channel}`, channel, message));
    sub.on('pmessage', (pattern: string, channel: string, message: string) =>
      this.#dispatch(`pattern:${pattern}`, channel, message),
    );
    this.#sub = sub;
    return sub;
  }

  #dispatch(key: string, channel: string, message: string): void {
    const shared = this.#shared.get(key);
    if (!shared || !channel.startsWith(this.#channelPrefix)) return;
    const topic = channel.slice(this.#channelPrefix.length);
    for (const sub of [...shared.subs]) deliver(sub.handler, message, topic, this.#onError);
  }

  #redisSubscribe({ kind, name }: RedisTarget): Promise<unknown> {
    const sub = this.#subscriber();
    return kind === 'channel' ? sub.subscribe(name) : sub.psubscribe(name);
  }

  #redisUnsubscribe({ kind, name }: RedisTarget): Promise<unknown> {
    const sub = this.#subscriber();
    return kind === 'channel' ? sub.unsubscribe(name) : sub.punsubscribe(name);
  }
}

/** `prefix*` becomes a PSUBSCRIBE glob with the literal part escaped; anything else is one channel. */
export function toRedisTarget(channelPrefix: string, pattern: string): RedisTarget {
  if (!pattern.endsWith('*')) return { kind: 'channel', name: channelPrefix + pattern };
  return { kind: 'pattern', name: escapeGlob(channelPrefix + pattern.slice(0, -1)) + '*' };
}

/** Redis glob metacharacters: `*`, `?`, `[`, `]` and the escape `\` itself. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, '\\$&');
}

/** Waits for pending replies when connected; otherwise drops the socket and stops reconnecting. */
async function quit(conn: Redis): Promise<void> {
  if (conn.status === 'end') return;
  if (conn.status !== 'ready') {
    conn.disconnect();
    return;
  }
  try {
    await conn.quit();
  } catch {
    conn.disconnect();
  }
}
