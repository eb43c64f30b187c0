// busRateLimitStore over the memory bus: the store interface directly, then through @fastify/rate-limit.
// (Sharing across replicas through Redis is in redis.int.test.ts.)
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { EventBus } from './bus.ts';
import { MemoryBus } from './memory.ts';
import { busRateLimitStore } from './rate-limit-store.ts';

type ChildOptions = Parameters<FastifyRateLimitStore['child']>[0];

function incr(store: FastifyRateLimitStore, key: string, timeWindow?: number): Promise<{ current: number; ttl: number }> {
  return new Promise((resolve, reject) => {
    const callback = (err: Error | null, res?: { current: number; ttl: number }) => (err ? reject(err) : resolve(res!));
    // The plugin calls incr(key, callback, timeWindow, max); the published types only name the first two.
    (store.incr as (k: string, cb: typeof callback, w?: number, max?: number) => void)(key, callback, timeWindow, 5);
  });
}

const route = (method: string, url: string, extra: object = {}) =>
  ({ timeWindow: 60_000, ...extra, routeInfo: { method, url } }) as unknown as ChildOptions;

describe('busRateLimitStore', () => {
  let bus: EventBus;
  afterEach(() => bus.close());

  const store = (options: object = { timeWindow: 60_000 }) => {
    bus = new MemoryBus();
    const Store = busRateLimitStore(bus);
    return new Store(options);
  };

  it('counts hits per key within the window and reports the time left', async () => {
    const s = store();
    assert.equal((await incr(s, '1.2.3.4', 1000)).current, 1);
    const second = await incr(s, '1.2.3.4', 1000);
    assert.equal(second.current, 2);
    assert.ok(second.ttl > 0 && second.ttl <= 1000, `ttl ${second.ttl}`);
    assert.equal((await incr(s, '5.6.7.8', 1000)).current, 1);
  });

  it('falls back to the window it was built with, and rounds a fractional window up', async () => {
    const s = store({ timeWindow: 2000 });
    const first = await incr(s, 'k');
    assert.ok(first.ttl > 1000 && first.ttl <= 2000);
    assert.equal((await incr(s, 'k', 2000)).current, 2);
    assert.ok((await incr(s, 'f', 10.2)).ttl <= 11);
  });

  it('gives each route its own counters and each group one shared counter', async () => {
    const s = store();
    const login = s.child(route('POST', '/api/auth/login'));
    const setup = s.child(route('POST', '/api/setup'));
    const a = s.child(route('POST', '/api/a', { groupId: 'auth' }));
    const b = s.child(route('POST', '/api/b', { groupId: 'auth' }));
    assert.equal((await incr(login, 'ip', 60_000)).current, 1);
    assert.equal((await incr(login, 'ip', 60_000)).current, 2);
    assert.equal((await incr(setup, 'ip', 60_000)).current, 1);
    assert.equal((await incr(a, 'ip', 60_000)).current, 1);
    assert.equal((await incr(b, 'ip', 60_000)).current, 2);
    assert.equal((await incr(s, 'ip', 60_000)).current, 1, 'the global store is its own scope');
  });

  it('never shares a counter between different windows', async () => {
    const s = store();
    assert.equal((await incr(s, 'ip', 1000)).current, 1);
    assert.equal((await incr(s, 'ip', 2000)).current, 1);
  });

  it('refuses options a fixed window cannot honour', () => {
    bus = new MemoryBus();
    const Store = busRateLimitStore(bus);
    assert.throws(() => new Store({ continueExceeding: true } as object), /not supported/);
    assert.throws(() => new Store({ exponentialBackoff: true } as object), /not supported/);
    assert.throws(() => new Store({}).child(route('GET', '/x', { exponentialBackoff: true })), /not supported/);
  });

  it('passes a failing bus to the callback', async () => {
    const s = store();
    await bus.close();
    await assert.rejects(incr(s, 'ip', 1000), /closed/);
  });
});

describe('busRateLimitStore with @fastify/rate-limit', () => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  /** One app = one replica; replicas given the same bus share their limits. */
  async function replica(bus: EventBus): Promise<FastifyInstance> {
    const app = Fastify();
    apps.push(app);
    await app.register(rateLimit, { global: false, store: busRateLimitStore(bus) });
    app.post('/login', { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, async () => ({ ok: true }));
    app.post('/setup', { config: { rateLimit: { max: 1, timeWindow: 60_000 } } }, async () => ({ ok: true }));
    app.get('/free', async () => ({ ok: true }));
    await app.ready();
    return app;
  }

  it('answers 429 with Retry-After once a route is over its limit, and leaves other routes alone', async () => {
    const bus = new MemoryBus();
    const app = await replica(bus);
    const login = () => app.inject({ method: 'POST', url: '/login' });
    assert.deepEqual([(await login()).statusCode, (await login()).statusCode], [200, 200]);
    const limited = await login();
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await app.inject({ method: 'POST', url: '/setup' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/free' })).statusCode, 200);
    await bus.close();
  });

  it('shares a limit between replicas on one bus', async () => {
    const bus = new MemoryBus();
    const [a, b] = [await replica(bus), await replica(bus)];
    assert.equal((await a.inject({ method: 'POST', url: '/login' })).statusCode, 200);
    assert.equal((await b.inject({ method: 'POST', url: '/login' })).statusCode, 200);
    assert.equal((await a.inject({ method: 'POST', url: '/login' })).statusCode, 429);
    await bus.close();
  });
});
