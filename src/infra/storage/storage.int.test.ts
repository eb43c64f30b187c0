// The storage gateway against a real S3-compatible server (the test bed's s3rver) through the AWS SDK:
// streamed multipart upload and download, listing under a prefix, deletes, the connection probe, and
// the errors a user gets for wrong credentials, a missing bucket and an unreachable endpoint.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ObjectStorage, StorageError } from './index.ts';
import { testBucket, type TestBucket } from '../../../test/support/s3.ts';
import { freeHostPort } from '../../../test/support/ports.ts';

/** `count` chunks of 1 MiB of random bytes, generated as they are read. */
function randomStream(count: number, hash: ReturnType<typeof createHash>): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent++ >= count) return void this.push(null);
      const chunk = randomBytes(1024 * 1024);
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

describe('ObjectStorage (s3rver through the AWS SDK)', () => {
  let bucket: TestBucket;
  let storage: ObjectStorage;
  before(async () => {
    bucket = await testBucket();
    storage = new ObjectStorage(bucket.location('/team/backups/'), { partSizeBytes: 5 * 1024 * 1024 });
  });
  after(async () => {
    storage.close();
    await bucket.drop();
  });

  it('streams a multipart upload and reads the same bytes back, under the prefix', async () => {
    const written = createHash('sha256');
    await storage.upload('db/one.gz', randomStream(12, written));
    assert.deepEqual(await bucket.keys(), ['team/backups/db/one.gz']);
    assert.equal(await storage.size('db/one.gz'), 12 * 1024 * 1024);
    const read = createHash('sha256');
    for await (const chunk of await storage.download('db/one.gz')) read.update(chunk as Buffer);
    assert.equal(read.digest('hex'), written.digest('hex'));
  });

  it('lists under a sub-prefix and deletes exactly the keys asked for', async () => {
    await storage.upload('db/two.gz', Readable.from([Buffer.from('two')]));
    await storage.upload('other/three.gz', Readable.from([Buffer.from('three')]));
    const listed = [];
    for await (const o of storage.list('db/')) listed.push(o.key);
    assert.deepEqual(listed.sort(), ['db/one.gz', 'db/two.gz']);
    await storage.delete(['db/one.gz', 'db/missing.gz']);
    assert.deepEqual(await bucket.keys(), ['team/backups/db/two.gz', 'team/backups/other/three.gz']);
    assert.equal(await storage.size('db/one.gz'), undefined);
  });

  it('the probe writes, reads and deletes a probe object and leaves nothing behind', async () => {
    const before = await bucket.keys();
    const timing = await storage.probe();
    assert.ok(timing.writeMs >= 0 && timing.readMs >= 0);
    assert.deepEqual(await bucket.keys(), before);
  });

  // s3rver checks the access key id but not SigV4 signatures, so the wrong key here is the id.
  it('wrong credentials: a 400 StorageError pointing at the access key', async () => {
    const wrong = new ObjectStorage({ ...bucket.location(), accessKeyId: 'NOT-A-KEY', secretAccessKey: 'not-the-secret' }, { maxAttempts: 1 });
    await assert.rejects(wrong.probe(), (err: unknown) => err instanceof StorageError && err.status === 400 && err.reason === 'credentials' && err.field === 'accessKeyId' && !err.message.includes('not-the-secret'));
    wrong.close();
  });

  it('a missing bucket: a 400 pointing at the bucket', async () => {
    const missing = new ObjectStorage({ ...bucket.location(), bucket: 'no-such-bucket-here' }, { maxAttempts: 1 });
    await assert.rejects(missing.probe(), (err: unknown) => err instanceof StorageError && err.status === 400 && err.field === 'bucket');
    missing.close();
  });

  it('an unreachable endpoint: a 400 pointing at the endpoint, quickly', async () => {
    const port = await freeHostPort(47000, 48000);
    const away = new ObjectStorage({ ...bucket.location(), endpoint: `http://127.0.0.1:${port}` }, { maxAttempts: 1, connectTimeoutMs: 2000 });
    const t0 = Date.now();
    await assert.rejects(away.probe(), (err: unknown) => err instanceof StorageError && err.status === 400 && err.reason === 'unreachable' && err.field === 'endpoint');
    assert.ok(Date.now() - t0 < 10_000);
    away.close();
  });
});
