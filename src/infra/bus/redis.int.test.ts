// RedisBus against a real Redis (TEST_REDIS_URL, started by scripts/testbed/up.sh): the shared contract,
// then what only a networked bus has — key prefixes, lost connections, an unreachable server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { busContract } from './bus.contract.ts';
import { busRateLimitStore } from './rate-limit-store.ts';
import { RedisBus } from './redis.ts';

const url = process.env.TEST_REDIS_URL;

if (!url) {
  it('RedisBus needs a Redis', () => {
    assert.fail(
      'TEST_REDIS_URL is not set: run scripts/testbed/up.sh and `source .cache/testbed.env` (it sets ' +
        'TEST_REDIS_URL=redis://127.0.0.1:6390), or start one with ' +
        "`redis-server --daemonize yes --bind 127.0.0.1 --port 6390 --save ''`",
    );
  });
} else {
  redisTests(url);
}

function redisTests(url: string): void {
  // One namespace per test file run: every bus made here is a replica of the same installation.
  const keyPrefix = `berth-test-${randomBytes(4).toString('hex')}:`;
  busContract('redis', async ({ onError }) => new RedisBus({ url, keyPrefix, onError }), { sharedBackend: true });

  describe('RedisBus', () => {
    const raw = new Redis(url);
    const buses: RedisBus[] = [];
    const bus = (options: { keyPrefix?: string; onError?: (err: unknown) => void } = {}) => {
      const b = new RedisBus({ url, keyPrefix, ...options });
      buses.push(b);
      return b;
    };
    after(async () => {
      await Promise.all(buses.map((b) => b.close()));
      await raw.quit();
    });

    it('keeps installations with different key prefixes apart', async () => {
      const a = bus({ keyPrefix: `${keyPrefix}a:` });
      const b = bus({ keyPrefix: `${keyPrefix}b:` });
      const onA: unknown[] = [];
      const onB: unknown[] = [];
      await a.subscribe('job.*', (p) => onA.push(p));
      await b.subscribe('job.*', (p) => onB.push(p));
      await a.publish('job.state', 'from a');
      await b.publish('job.state', 'from b');
      await waitFor(() => onA.length === 1 && onB.length === 1);
      await sleep(50);
      assert.deepEqual([onA, onB], [['from a'], ['from b']]);
      assert.equal((await a.hit('login:x', 10_000)).count, 1);
      assert.equal((await b.hit('login:x', 10_000)).count, 1);
    });

    it('stores counters under the prefix with the window as their expiry', async () => {
      const b = bus();
      await b.hit('login:ttl', 5000);
      const ttl = await raw.pttl(`${keyPrefix}hit:login:ttl`);
      assert.ok(ttl > 4000 && ttl <= 5000, `pttl ${ttl}`);
    });

    it('gives a counter that lost its expiry a new one', async () => {
      const b = bus();
      await raw.set(`${keyPrefix}hit:login:stuck`, '7');
      const h = await b.hit('login:stuck', 5000);
      assert.equal(h.count, 8);
      assert.ok(h.resetInMs > 0 && h.resetInMs <= 5000);
      assert.ok((await raw.pttl(`${keyPrefix}hit:login:stuck`)) > 0);
    });

    it('uses one escaped glob per prefix pattern on the wire', async () => {
      const b = bus({ keyPrefix: `${keyPrefix}glob[1]:` });
      await b.subscribe('a?b.*', () => {});
      await b.subscribe('a?b.*', () => {});
      const patterns = Number(await raw.pubsub('NUMPAT'));
      assert.ok(patterns >= 1);
      // No PUBSUB listing for patterns exists; check it matches the literal channel and nothing wider.
      assert.equal(await raw.publish(`${keyPrefix}glob[1]:bus:a?b.x`, '1'), 1);
      assert.equal(await raw.publish(`${keyPrefix}glob1:bus:aXb.x`, '1'), 0);
    });

    it('re-subscribes after its subscriber connection is killed', async () => {
      const b = bus({ keyPrefix: `${keyPrefix}kill:` });
      const got: unknown[] = [];
      await b.subscribe('deployment.*', (p) => got.push(p));
      await b.subscribe('job.state', (p) => got.push(p));
      await killClients(raw, `${keyPrefix}kill:sub`);
      await waitFor(async () => (await raw.pubsub('NUMSUB', `${keyPrefix}kill:bus:job.state`))[1] === 1);
      await waitFor(async () => (await raw.publish(`${keyPrefix}kill:bus:deployment.d1`, '"probe"')) === 1);
      await b.publish('job.state', 'after');
      await waitFor(() => got.includes('after'));
    });

    it('publishes and counts after its publisher connection is killed', async () => {
      const b = bus({ keyPrefix: `${keyPrefix}killpub:` });
      const got: unknown[] = [];
      await b.subscribe('x', (p) => got.push(p));
      assert.equal((await b.hit('k', 10_000)).count, 1);
      await killClients(raw, `${keyPrefix}killpub:pub`);
      assert.equal((await b.hit('k', 10_000)).count, 2);
      await b.publish('x', 'after');
      await waitFor(() => got.includes('after'));
    });

    it('shares a route rate limit between replicas through Redis', async () => {
      const replica = async () => {
        const app = Fastify();
        await app.register(rateLimit, { global: false, store: busRateLimitStore(bus()) });
        app.post('/login', { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, async () => ({ ok: true }));
        return app;
      };
      const [a, b] = [await replica(), await replica()];
      try {
        const statuses: number[] = [];
        for (const app of [a, b, a, b]) statuses.push((await app.inject({ method: 'POST', url: '/login' })).statusCode);
        assert.deepEqual(statuses, [200, 200, 429, 429]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('survives an unreachable server: errors are reported, nothing crashes', async () => {
      const errors: unknown[] = [];
      const dead = new RedisBus({ url: `redis://127.0.0.1:${await freePort()}`, onError: (err) => errors.push(err) });
      buses.push(dead);
      await dead.publish('job.state', 'lost');
      assert.ok(errors.some((e) => /dropped a message on job.state/.test((e as Error).message)));
      await assert.rejects(dead.hit('login:x', 1000));
      await assert.rejects(dead.subscribe('job.*', () => {}));
      const started = Date.now();
      await dead.close();
      assert.ok(Date.now() - started < 1000);
    });
  });
}

async function killClients(raw: Redis, name: string): Promise<void> {
  const list = (await raw.client('LIST')) as string;
  const ids = list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
  assert.equal(ids.length, 1, `one client named ${name}`);
  await raw.client('KILL', 'ID', String(ids[0]));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${check.toString()}`);
    await sleep(20);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
