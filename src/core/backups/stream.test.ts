// The stream pieces without storage: the meter counts and hashes what passes; the checksum guard fails
// a stream whose bytes differ from the recorded SHA-256, at its end.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { ChecksumMismatch, checksumGuard, meter } from './stream.ts';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('backup streams', () => {
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const sha = createHash('sha256').update(data).digest('hex');
  const chunks = () => Readable.from([data.subarray(0, 1000), data.subarray(1000, 2_000_000), data.subarray(2_000_000)]);

  it('meter: size and SHA-256 of what passed through', async () => {
    const m = meter();
    await pipeline(chunks(), m, sink());
    assert.deepEqual(m.digest(), { sizeBytes: data.length, sha256: sha });
  });

  it('checksum guard: passes the recorded bytes, fails anything else at the end', async () => {
    await pipeline(chunks(), checksumGuard(sha), sink());
    const corrupted = Buffer.from(data);
    corrupted[123_456]! ^= 0xff;
    await assert.rejects(pipeline(Readable.from([corrupted]), checksumGuard(sha), sink()), (err: unknown) => err instanceof ChecksumMismatch && err.expected === sha);
    await assert.rejects(pipeline(Readable.from([data.subarray(0, 100)]), checksumGuard(sha), sink()), ChecksumMismatch, 'a truncated object fails too');
  });
});
