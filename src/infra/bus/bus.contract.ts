// The one test suite every EventBus implementation passes (memory.test.ts, redis.int.test.ts).
// Declares node:test blocks only; must never depend on one implementation's internals or on timing
// beyond "a message arrives within a few seconds" (absence is proven by a sentinel sent afterwards).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import type { BusErrorSink, EventBus } from './bus.ts';

export interface BusHooks {
  /** Pass to the bus as its `onError`; the suite inspects what it collects. */
  onError: BusErrorSink;
}

export interface BusContractOptions {
  /** Each `makeBus()` call is another replica of one shared backend (Redis), not an isolated bus. */
  sharedBackend?: boolean;
}

interface Received {
  payload: unknown;
  topic: string;
}

const WAIT_MS = 3000;

/** A handler that records what it gets, and a way to wait until it has got `n` messages. */
function collector() {
  const got: Received[] = [];
  let wake = () => {};
  const handler = (payload: unknown, topic: string) => {
    got.push({ payload, topic });
    wake();
  };
  const until = async (n: number): Promise<Received[]> => {
    const deadline = Date.now() + WAIT_MS;
    while (got.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`expected ${n} message(s) within ${WAIT_MS} ms, got ${JSON.stringify(got)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return got;
  };
  return { got, handler, until };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh topic root per test, so tests never see each other's messages. */
const uid = () => 't' + randomBytes(4).toString('hex');

export function busContract(
  name: string,
  makeBus: (hooks: BusHooks) => Promise<EventBus>,
  options: BusContractOptions = {},
): void {
  describe(`EventBus contract: ${name}`, () => {
    const open: EventBus[] = [];
    let errors: unknown[] = [];
    const newBus = async () => {
      const bus = await makeBus({ onError: (err) => errors.push(err) });
      open.push(bus);
      return bus;
    };

    afterEach(async () => {
      await Promise.all(open.splice(0).map((bus) => bus.close()));
      errors = [];
    });

    describe('delivery', () => {
      it('delivers a message to an exact subscriber', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        await bus.subscribe(`${t}.state`, c.handler);
        await bus.publish(`${t}.state`, { id: 1 });
        assert.deepEqual(await c.until(1), [{ payload: { id: 1 }, topic: `${t}.state` }]);
      });

      it('delivers to a prefix pattern with the full topic', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        await bus.subscribe(`${t}.deployment.*`, c.handler);
        await bus.publish(`${t}.deployment.d1.log`, 'line 1');
        await bus.publish(`${t}.deployment.`, 'empty rest');
        assert.deepEqual(await c.until(2), [
          { payload: 'line 1', topic: `${t}.deployment.d1.log` },
          { payload: 'empty rest', topic: `${t}.deployment.` },
        ]);
      });

      it('delivers everything to a bare `*`', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        await bus.subscribe('*', c.handler);
        await bus.publish(`${t}.anything`, 1);
        await c.until(1);
        await eventually(() => c.got.some((m) => m.topic === `${t}.anything`), 'the message on `*`');
      });

      it('does not deliver to non-matching topics', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        await bus.subscribe(`${t}.a.b`, c.handler);
        await bus.subscribe(`${t}.p.q.*`, c.handler);
        await bus.subscribe(`${t}.sentinel`, c.handler);
        for (const topic of [`${t}.a.bc`, `${t}.a`, `${t}.A.B`, `${t}.p.q`, `${t}.p.qx`, `${t}.p.x.y`, `x${t}.p.q.r`]) {
          await bus.publish(topic, 'wrong');
        }
        await bus.publish(`${t}.sentinel`, 'done');
        await c.until(1);
        await sleep(50);
        assert.deepEqual(c.got, [{ payload: 'done', topic: `${t}.sentinel` }]);
      });

      it('delivers once to each subscriber, exact and pattern alike', async () => {
        const bus = await newBus();
        const t = uid();
        const exact = collector();
        const exact2 = collector();
        const prefix = collector();
        await bus.subscribe(`${t}.job.state`, exact.handler);
        await bus.subscribe(`${t}.job.state`, exact2.handler);
        await bus.subscribe(`${t}.job.*`, prefix.handler);
        await bus.publish(`${t}.job.state`, 'x');
        await bus.publish(`${t}.job.other`, 'y');
        await prefix.until(2);
        await exact.until(1);
        await exact2.until(1);
        await sleep(50);
        assert.deepEqual(exact.got.map((m) => m.payload), ['x']);
        assert.deepEqual(exact2.got.map((m) => m.payload), ['x']);
        assert.deepEqual(prefix.got.map((m) => m.payload), ['x', 'y']);
      });

      it('counts the same handler subscribed twice as two subscriptions', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        const first = await bus.subscribe(t, c.handler);
        await bus.subscribe(t, c.handler);
        await bus.publish(t, 1);
        await c.until(2);
        await first();
        await bus.publish(t, 2);
        await c.until(3);
        await sleep(50);
        assert.deepEqual(c.got.map((m) => m.payload), [1, 1, 2]);
      });

      it('subscribes concurrently to one pattern', async () => {
        const bus = await newBus();
        const t = uid();
        const a = collector();
        const b = collector();
        await Promise.all([bus.subscribe(`${t}.*`, a.handler), bus.subscribe(`${t}.*`, b.handler)]);
        await bus.publish(`${t}.x`, 'both');
        await a.until(1);
        await b.until(1);
      });

      it('keeps publish order on one topic', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        await bus.subscribe(`${t}.log`, c.handler);
        const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
        await Promise.all(lines.map((line) => bus.publish(`${t}.log`, line)));
        assert.deepEqual((await c.until(100)).map((m) => m.payload), lines);
      });

      it('takes glob metacharacters in patterns and topics literally', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        await bus.subscribe(`${t}.lit[ab]?*`, c.handler);
        await bus.subscribe(`${t}.ex[ab]`, c.handler);
        await bus.subscribe(`${t}.back\\*`, c.handler);
        await bus.subscribe(`${t}.st*ar*`, c.handler);
        await bus.subscribe(`${t}.q?`, c.handler);
        // Each of these would match if the pattern were handed to a glob matcher unescaped.
        for (const topic of [`${t}.lita1x`, `${t}.litb?`, `${t}.exa`, `${t}.back*`, `${t}.stXar1`, `${t}.qz`]) {
          await bus.publish(topic, 'wrong');
        }
        const right = [`${t}.lit[ab]?x`, `${t}.lit[ab]?`, `${t}.ex[ab]`, `${t}.back\\x`, `${t}.st*ar1`, `${t}.q?`];
        for (const topic of right) await bus.publish(topic, 'right');
        await c.until(right.length);
        await sleep(50);
        assert.deepEqual(c.got.map((m) => m.topic), right);
      });
    });

    describe('unsubscribe', () => {
      it('stops delivery to that subscription only', async () => {
        const bus = await newBus();
        const t = uid();
        const gone = collector();
        const stays = collector();
        const unsubscribe = await bus.subscribe(t, gone.handler);
        await bus.subscribe(t, stays.handler);
        await unsubscribe();
        await bus.publish(t, 'after');
        await stays.until(1);
        await sleep(50);
        assert.deepEqual(gone.got, []);
      });

      it('stops delivery when the last subscriber of a pattern leaves', async () => {
        const bus = await newBus();
        const t = uid();
        const gone = collector();
        const sentinel = collector();
        const unsubscribe = await bus.subscribe(`${t}.*`, gone.handler);
        await bus.subscribe(`sentinel.${t}`, sentinel.handler);
        await unsubscribe();
        await bus.publish(`${t}.x`, 'after');
        await bus.publish(`sentinel.${t}`, 'done');
        await sentinel.until(1);
        await sleep(50);
        assert.deepEqual(gone.got, []);
      });

      it('is idempotent and leaves later subscriptions alone', async () => {
        const bus = await newBus();
        const t = uid();
        const first = collector();
        const later = collector();
        const unsubscribe = await bus.subscribe(t, first.handler);
        await unsubscribe();
        await bus.subscribe(t, later.handler);
        await unsubscribe();
        await bus.publish(t, 'still here');
        await later.until(1);
        assert.deepEqual(first.got, []);
      });

      it('can subscribe again after the last subscriber left', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        await (await bus.subscribe(`${t}.*`, c.handler))();
        await bus.subscribe(`${t}.*`, c.handler);
        await bus.publish(`${t}.x`, 'again');
        assert.deepEqual((await c.until(1)).map((m) => m.payload), ['again']);
      });
    });

    describe('payloads', () => {
      it('arrive as equal JSON copies', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        await bus.subscribe(t, c.handler);
        const sent: unknown[] = [
          { id: 'd1', nested: { list: [1, 2, { deep: true }], none: null }, text: 'ünïcødé ✓ \u0000 "q"' },
          [1, 'two', null, false, { three: 3 }],
          'a string',
          '',
          42.5,
          true,
          null,
        ];
        for (const payload of sent) await bus.publish(t, payload);
        await bus.publish(t, undefined);
        await bus.publish(t, { at: new Date('2024-01-02T03:04:05.000Z'), skipped: undefined });
        const got = (await c.until(sent.length + 2)).map((m) => m.payload);
        assert.deepEqual(got, [...sent, null, { at: '2024-01-02T03:04:05.000Z' }]);
      });

      it('gives each subscriber its own copy, taken at publish time', async () => {
        const bus = await newBus();
        const t = uid();
        const mutator = collector();
        const reader = collector();
        await bus.subscribe(t, (payload, topic) => {
          (payload as { n: number }).n = 99;
          mutator.handler(payload, topic);
        });
        await bus.subscribe(t, reader.handler);
        const payload = { n: 1 };
        const published = bus.publish(t, payload);
        payload.n = 2;
        await published;
        await mutator.until(1);
        assert.deepEqual((await reader.until(1))[0]?.payload, { n: 1 });
      });

      it('rejects payloads that are not JSON', async () => {
        const bus = await newBus();
        const t = uid();
        await assert.rejects(bus.publish(t, 10n), TypeError);
        await assert.rejects(bus.publish(t, () => 1), TypeError);
        await assert.rejects(bus.publish(t, Symbol('s')), TypeError);
      });
    });

    describe('handler errors', () => {
      it('go to onError without stopping delivery to other subscribers', async () => {
        const bus = await newBus();
        const t = uid();
        const c = collector();
        await bus.subscribe(t, () => {
          throw new Error('sync boom');
        });
        await bus.subscribe(t, async () => {
          throw new Error('async boom');
        });
        await bus.subscribe(t, c.handler);
        await bus.publish(t, 1);
        await bus.publish(t, 2);
        await c.until(2);
        await eventually(() => errors.length === 4, 'four handler errors');
        const messages = errors.map((e) => (e as Error).message).sort();
        assert.deepEqual(messages, ['async boom', 'async boom', 'sync boom', 'sync boom']);
      });
    });

    describe('hit', () => {
      it('counts within a window and resets after it', async () => {
        const bus = await newBus();
        const key = `login:${uid()}`;
        const window = 300;
        const hits = [await bus.hit(key, window), await bus.hit(key, window), await bus.hit(key, window)];
        assert.deepEqual(hits.map((h) => h.count), [1, 2, 3]);
        for (const h of hits) assert.ok(h.resetInMs > 0 && h.resetInMs <= window, `resetInMs ${h.resetInMs}`);
        assert.equal((await bus.hit(`${key}:other`, window)).count, 1);
        await sleep(window + 150);
        assert.equal((await bus.hit(key, window)).count, 1);
        assert.equal((await bus.hit(key, window)).count, 2);
      });

      it('counts concurrent hits exactly once each', async () => {
        const bus = await newBus();
        const key = `burst:${uid()}`;
        const hits = await Promise.all(Array.from({ length: 25 }, () => bus.hit(key, 10_000)));
        const counts = hits.map((h) => h.count).sort((a, b) => a - b);
        assert.deepEqual(counts, Array.from({ length: 25 }, (_, i) => i + 1));
      });

      it('rejects a window that is not a positive integer', async () => {
        const bus = await newBus();
        for (const windowMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(bus.hit(`bad:${uid()}`, windowMs), RangeError);
        }
      });
    });

    describe('close', () => {
      it('is idempotent, and the bus refuses work afterwards', async () => {
        const bus = await newBus();
        const t = uid();
        const unsubscribe = await bus.subscribe(`${t}.*`, () => {});
        await Promise.all([bus.close(), bus.close()]);
        await bus.close();
        await unsubscribe();
        await assert.rejects(bus.publish(t, 1), /closed/);
        await assert.rejects(bus.subscribe(t, () => {}), /closed/);
        await assert.rejects(bus.hit(t, 1000), /closed/);
      });

      it('closes a bus that was never used', async () => {
        const bus = await newBus();
        await bus.close();
      });
    });

    describe('across replicas', { skip: options.sharedBackend ? false : 'one replica only: not a shared backend' }, () => {
      it('delivers a message published on one replica to subscribers on both', async () => {
        const [a, b] = [await newBus(), await newBus()];
        const t = uid();
        const onA = collector();
        const onB = collector();
        await a.subscribe(`${t}.*`, onA.handler);
        await b.subscribe(`${t}.x`, onB.handler);
        await a.publish(`${t}.x`, { from: 'a' });
        await b.publish(`${t}.x`, { from: 'b' });
        // Two publishers: no order between them, so compare sorted.
        assert.deepEqual((await onA.until(2)).map((m) => m.payload).sort(byFrom), [{ from: 'a' }, { from: 'b' }]);
        assert.deepEqual((await onB.until(2)).map((m) => m.payload).sort(byFrom), [{ from: 'a' }, { from: 'b' }]);
      });

      it('shares hit counters between replicas', async () => {
        const [a, b] = [await newBus(), await newBus()];
        const key = `login:${uid()}`;
        assert.equal((await a.hit(key, 10_000)).count, 1);
        assert.equal((await b.hit(key, 10_000)).count, 2);
        assert.equal((await a.hit(key, 10_000)).count, 3);
      });

      it('keeps delivering to one replica after another closed', async () => {
        const [a, b] = [await newBus(), await newBus()];
        const t = uid();
        const onB = collector();
        await a.subscribe(t, () => {});
        await b.subscribe(t, onB.handler);
        await a.close();
        const c = await newBus();
        await c.publish(t, 'still');
        await onB.until(1);
      });
    });
  });
}

function byFrom(x: unknown, y: unknown): number {
  return String((x as { from: string }).from).localeCompare(String((y as { from: string }).from));
}
