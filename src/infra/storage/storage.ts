// The one gateway to S3-compatible object storage (AWS S3, Cloudflare R2, Backblaze B2, MinIO, s3rver in
// tests), through the AWS SDK only: endpoint, region, bucket, key prefix, path-style addressing.
// Uploads are multipart and streamed (a bounded number of parts in memory), downloads are streams.
// Must never: buffer a whole object, log or return a secret key, or let an SDK error escape unwrapped
// (StorageError says which setting the user should look at).
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type * as S3 from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Upload } from '@aws-sdk/lib-storage';
import { toStorageError } from './errors.ts';

export interface StorageLocation {
  /** `https://…` of an S3-compatible service; absent = AWS S3 for the region. */
  endpoint?: string | null;
  region: string;
  bucket: string;
  /** Key prefix every object of this location lives under: '' or 'path/like/this/' (trailing slash added). */
  prefix: string;
  /** Path-style addressing (`endpoint/bucket/key`): MinIO and most self-hosted servers need it. */
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StoredObject {
  /** Key relative to the location's prefix. */
  key: string;
  size: number;
  lastModified: Date;
}

export interface StorageOptions {
  /** Connection timeout (default 5 s): an unreachable endpoint fails fast. */
  connectTimeoutMs?: number;
  /** Per-request socket timeout (default 60 s). */
  requestTimeoutMs?: number;
  /** SDK attempts per request (default 3; the connection test uses 1). */
  maxAttempts?: number;
  /** Multipart part size (default 8 MiB, S3's minimum is 5 MiB). */
  partSizeBytes?: number;
  /** Parts uploaded at once (default 2): memory use is about partSize × (queueSize + 1). */
  queueSize?: number;
}

const DEFAULT_PART = 8 * 1024 * 1024;

// The SDK (~15 MiB resident) is loaded on first use, not at boot: an idle control plane never needs it.
type Sdk = typeof S3 & { Upload: typeof Upload };
let sdk: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> =>
  (sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, { Upload }]) => ({ ...s3, Upload })));

/** Normalises a prefix to '' or 'a/b/' (no leading slash). */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed ? `${trimmed}/` : '';
}

export class ObjectStorage {
  readonly location: StorageLocation;
  readonly #config: S3ClientConfig;
  #client: S3Client | undefined;
  readonly #prefix: string;
  readonly #partSize: number;
  readonly #queueSize: number;

  constructor(location: StorageLocation, options: StorageOptions = {}) {
    this.location = location;
    this.#prefix = normalisePrefix(location.prefix);
    this.#partSize = options.partSizeBytes ?? DEFAULT_PART;
    this.#queueSize = options.queueSize ?? 2;
    this.#config = {
      region: location.region,
      forcePathStyle: location.forcePathStyle,
      credentials: { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey },
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 5_000, requestTimeout: options.requestTimeoutMs ?? 60_000 },
      // Only what every S3-compatible server understands: no default CRC trailers (B2, older MinIO, s3rver).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    };
  }

  /** The SDK and this location's client, both made on first use. */
  async #sdk(): Promise<{ aws: Sdk; client: S3Client }> {
    const aws = await loadSdk();
    this.#client ??= new aws.S3Client(this.#config);
    return { aws, client: this.#client };
  }

  /** The full key in the bucket. */
  fullKey(key: string): string {
    return this.#prefix + key;
  }

  /** Streams `body` to `key` as a multipart upload; aborts (and removes the parts) on error or signal. */
  async upload(key: string, body: Readable, opts: { contentType?: string; signal?: AbortSignal } = {}): Promise<void> {
    const { aws, client } = await this.#sdk().catch((err: unknown) => {
      body.destroy();
      throw toStorageError('upload', err, this.location);
    });
    const upload = new aws.Upload({
      client,
      params: { Bucket: this.location.bucket, Key: this.fullKey(key), Body: body, ContentType: opts.contentType ?? 'application/octet-stream' },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } catch (err) {
      body.destroy();
      throw toStorageError('upload', err, this.location);
    } finally {
      opts.signal?.removeEventListener('abort', abort);
    }
  }

  /** The object's bytes as a stream (nothing buffered beyond the socket's window). */
  async download(key: string, opts: { signal?: AbortSignal } = {}): Promise<Readable> {
    try {
      const { aws, client } = await this.#sdk();
      const out = await client.send(new aws.GetObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(key) }), opts.signal ? { abortSignal: opts.signal } : {});
      return out.Body as Readable;
    } catch (err) {
      throw toStorageError('download', err, this.location);
    }
  }

  /** Size of an object, or undefined when it does not exist. */
  async size(key: string): Promise<number | undefined> {
    try {
      const { aws, client } = await this.#sdk();
      const out = await client.send(new aws.HeadObjectCommand({ Bucket: this.location.bucket, Key: this.fullKey(key) }));
      return out.ContentLength ?? 0;
    } catch (err) {
      const e = toStorageError('head', err, this.location);
      if (e.reason === 'not-found') return undefined;
      throw e;
    }
  }

  /** Every object under `prefix` (relative to the location's prefix). */
  async *list(prefix = ''): AsyncGenerator<StoredObject> {
    let token: string | undefined;
    do {
      let page;
      try {
        const { aws, client } = await this.#sdk();
        page = await client.send(
          new aws.ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.fullKey(prefix), ...(token ? { ContinuationToken: token } : {}) }),
        );
      } catch (err) {
        throw toStorageError('list', err, this.location);
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        yield { key: o.Key.slice(this.#prefix.length), size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Deletes objects (missing ones are fine); batches of 1000, the API's limit. */
  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      try {
        const { aws, client } = await this.#sdk();
        const out = await client.send(
          new aws.DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: batch.map((k) => ({ Key: this.fullKey(k) })), Quiet: true } }),
        );
        const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length) throw Object.assign(new Error(`${failed[0]!.Key}: ${failed[0]!.Message ?? failed[0]!.Code}`), { name: failed[0]!.Code ?? 'DeleteFailed' });
      } catch (err) {
        throw toStorageError('delete', err, this.location);
      }
    }
  }

  /**
   * The "test connection" action: writes a small probe object, reads it back and compares, deletes it.
   * Throws StorageError naming the setting to fix.
   */
  async probe(): Promise<{ writeMs: number; readMs: number; deleteMs: number }> {
    const key = `.berth-probe-${randomBytes(6).toString('hex')}`;
    const content = randomBytes(32).toString('hex');
    const t0 = performance.now();
    await this.upload(key, Readable.from([Buffer.from(content)]), { contentType: 'text/plain' });
    const t1 = performance.now();
    let read = '';
    try {
      for await (const chunk of await this.download(key)) read += (chunk as Buffer).toString('utf8');
    } catch (err) {
      await this.delete([key]).catch(() => undefined);
      throw err;
    }
    const t2 = performance.now();
    await this.delete([key]);
    if ((await this.size(key)) !== undefined) throw toStorageError('delete', Object.assign(new Error('the probe object is still there after deleting it'), { name: 'AccessDenied' }), this.location);
    const t3 = performance.now();
    if (read !== content) throw toStorageError('download', Object.assign(new Error('the probe object read back differs from what was written'), { name: 'Mismatch' }), this.location);
    return { writeMs: Math.round(t1 - t0), readMs: Math.round(t2 - t1), deleteMs: Math.round(t3 - t2) };
  }

  close(): void {
    this.#client?.destroy();
  }
}
