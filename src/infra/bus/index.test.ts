import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createBus } from './index.ts';
import { MemoryBus } from './memory.ts';
import { RedisBus } from './redis.ts';

it('picks the in-process bus without a Redis URL, RedisBus with one', async () => {
  const memory = await createBus();
  assert.ok(memory instanceof MemoryBus);
  assert.ok((await createBus({ redisUrl: '' })) instanceof MemoryBus);
  // Nothing listens on port 1; the bus is closed before it could report anything but connection errors.
  const redis = await createBus({ redisUrl: 'redis://127.0.0.1:1', onError: () => {} });
  assert.ok(redis instanceof RedisBus);
  await Promise.all([memory.close(), redis.close()]);
});
