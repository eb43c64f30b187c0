// The streaming halves of a backup: a producer's bytes → gzip → SHA-256 and size → multipart upload,
// and an object → SHA-256 check → gunzip → a consumer. Memory stays bounded by the upload's parts
// (partSize × (queueSize + 1)); nothing touches the local disk.
// Must never buffer a whole dump, or let a consumer finish "successfully" on an object whose SHA-256
// differs from the one recorded (the check fails the stream at its end).
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { ObjectStorage } from '../../infra/storage/index.ts';

export interface UploadedObject {
  sizeBytes: number;
  sha256: string;
}

export class ChecksumMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the stored object's SHA-256 (${actual.slice(0, 16)}…) differs from the one recorded at backup time (${expected.slice(0, 16)}…): the object is corrupt`);
    this.name = 'ChecksumMismatch';
  }
}

/** Hashes and counts what passes through. */
export function meter(): Transform & { digest(): UploadedObject } {
  const hash = createHash('sha256');
  let size = 0;
  let digest: string | undefined;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return Object.assign(t, {
    digest: () => ({ sizeBytes: size, sha256: (digest ??= hash.digest('hex')) }),
  });
}

/** Fails at its end when what passed through does not hash to `expected`. */
export function checksumGuard(expected: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const actual = hash.digest('hex');
      cb(actual === expected ? null : new ChecksumMismatch(expected, actual));
    },
  });
}

/** gzip level: 6 is gzip(1)'s default, the bench's baseline. */
const GZIP_LEVEL = 6;

/** Streams `source` through gzip into `key`; resolves with the object's size and SHA-256. */
export async function uploadCompressed(source: Readable, storage: ObjectStorage, key: string, opts: { signal?: AbortSignal } = {}): Promise<UploadedObject> {
  const m = meter();
  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  const feeding = pipeline(source, createGzip({ level: GZIP_LEVEL }), m, body, opts.signal ? { signal: opts.signal } : {});
  try {
    await Promise.all([storage.upload(key, body, opts.signal ? { signal: opts.signal } : {}), feeding]);
  } catch (err) {
    source.destroy();
    body.destroy();
    await feeding.catch(() => undefined);
    throw err;
  }
  return m.digest();
}

/**
 * The object's decompressed bytes; the stream errors (ChecksumMismatch, or gunzip's own error) when
 * the object is not what was recorded.
 */
export async function downloadChecked(storage: ObjectStorage, key: string, sha256: string, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
  const body = await storage.download(key, opts);
  const guard = checksumGuard(sha256);
  const gunzip = createGunzip();
  // Errors travel downstream: the consumer of `gunzip` sees them and fails.
  body.on('error', (err) => guard.destroy(err));
  guard.on('error', (err) => gunzip.destroy(err));
  // After the consumer gave up (gunzip failed first on a corrupt object), a late checksum error must
  // not become an uncaught 'error' event: the consumer has already failed with the first one.
  gunzip.on('error', () => undefined);
  body.pipe(guard).pipe(gunzip);
  return gunzip;
}
