// Storage failures in the user's terms: which setting to look at (credentials, bucket, endpoint), as a
// 4xx — a destination's settings are user input. Must never carry the secret key.
import { BerthError, type FieldIssue } from '../../core/errors.ts';
import type { StorageLocation } from './storage.ts';

export type StorageFailureReason = 'credentials' | 'access-denied' | 'bucket' | 'unreachable' | 'not-found' | 'corrupt' | 'failed';

/** The destination field a failure points at (API paths are `body/<field>`). */
const FIELD: Record<StorageFailureReason, string | undefined> = {
  credentials: 'accessKeyId',
  'access-denied': 'accessKeyId',
  bucket: 'bucket',
  unreachable: 'endpoint',
  'not-found': undefined,
  corrupt: undefined,
  failed: undefined,
};

export class StorageError extends BerthError {
  readonly code = 'storage_failed';
  readonly status: number;
  readonly reason: StorageFailureReason;
  readonly operation: string;
  constructor(operation: string, reason: StorageFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.operation = operation;
    this.reason = reason;
    this.status = reason === 'not-found' ? 404 : reason === 'failed' ? 502 : 400;
  }

  /** The destination field to fix, for a 400 that names it. */
  get field(): string | undefined {
    return FIELD[this.reason];
  }

  get issues(): FieldIssue[] {
    return [{ path: this.field ? `body/${this.field}` : '', message: this.message }];
  }
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'AuthorizationHeaderMalformed', 'InvalidSecurity']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'RequestTimeout']);

function networkCode(err: SdkErrorShape): string | undefined {
  for (let e: SdkErrorShape | undefined = err, depth = 0; e && depth < 5; e = e.cause as SdkErrorShape | undefined, depth++) {
    const code = e.code ?? e.name;
    if (code && NETWORK.has(code)) return code;
    if (Array.isArray((e as { errors?: unknown[] }).errors)) {
      const inner = (e as { errors: SdkErrorShape[] }).errors.find((x) => x.code && NETWORK.has(x.code));
      if (inner) return inner.code;
    }
  }
  return undefined;
}

export function toStorageError(operation: string, err: unknown, location: Pick<StorageLocation, 'endpoint' | 'bucket' | 'region'>): StorageError {
  if (err instanceof StorageError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const where = location.endpoint ?? `AWS S3 (${location.region})`;
  const status = e.$metadata?.httpStatusCode;
  if (CREDENTIALS.has(name)) return new StorageError(operation, 'credentials', `${where} refused the access key or secret key (${name})`, { cause: err });
  if (name === 'NoSuchBucket') return new StorageError(operation, 'bucket', `bucket "${location.bucket}" does not exist at ${where}`, { cause: err });
  if (name === 'AccessDenied' || status === 403) return new StorageError(operation, 'access-denied', `${where} denied ${operation} in bucket "${location.bucket}" (${e.message ?? name})`, { cause: err });
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return new StorageError(operation, 'not-found', `object not found in bucket "${location.bucket}"`, { cause: err });
  if (name === 'Mismatch') return new StorageError(operation, 'corrupt', e.message ?? 'object content differs', { cause: err });
  if (name === 'AbortError') return new StorageError(operation, 'failed', `${operation} was cancelled`, { cause: err });
  const net = networkCode(e);
  if (net) return new StorageError(operation, 'unreachable', `cannot reach ${where} (${net})`, { cause: err });
  return new StorageError(operation, 'failed', `${operation} at ${where} failed: ${e.message ?? name}`, { cause: err });
}
