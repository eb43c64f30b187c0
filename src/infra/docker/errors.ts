// Errors of the Docker gateway. Every failure of an Engine API call leaves the gateway as one of these,
// so callers can tell "not there" (DockerNotFound) from "the engine refused" (DockerError) from "no
// engine" (DockerUnavailable), and from "Berth does not own that object" (UnmanagedObject).
// Must never swallow the engine's own error: it is always kept as `cause`.
import { BerthError, Unavailable } from '../../core/errors.ts';

/** What dockerode rejects with: docker-modem's error for an HTTP status, or a socket error. */
interface EngineFailure {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  code?: string;
  message?: string;
}

/** An Engine API call that the engine answered with an error status. */
export class DockerError extends BerthError {
  readonly status: number = 502;
  readonly code: string = 'docker_error';
  constructor(
    /** What the gateway was doing, e.g. `service.update`. */
    readonly operation: string,
    /** The engine's HTTP status (0 when there was no answer). */
    readonly statusCode: number,
    readonly engineMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`docker ${operation} failed (${statusCode || 'no answer'}): ${engineMessage}`, options);
  }
}

/** The engine answered 404: the object does not exist. */
export class DockerNotFound extends DockerError {
  override readonly status = 404;
  override readonly code = 'docker_not_found';
}

/** The engine is not reachable on its socket (not running, wrong path, no permission). */
export class DockerUnavailable extends Unavailable {}

/** An object exists under the name Berth wants, but it does not carry Berth's managed label. */
export class UnmanagedObject extends BerthError {
  readonly status = 409;
  readonly code = 'docker_unmanaged_object';
  constructor(
    readonly kind: 'service' | 'network' | 'volume',
    readonly objectName: string,
    readonly managedLabel: string,
  ) {
    super(`${kind} "${objectName}" exists but is not labelled ${managedLabel}=true; Berth never changes objects it did not create`);
  }
}

const SOCKET_ERRORS = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE']);

function engineMessage(failure: EngineFailure): string {
  return failure.json?.message?.trim() || failure.reason || failure.message || String(failure);
}

/** Turns whatever dockerode rejected with into one of the gateway's errors. */
export function toDockerError(operation: string, err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const failure = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as EngineFailure;
  if (failure.statusCode === undefined && failure.code && SOCKET_ERRORS.has(failure.code)) {
    return new DockerUnavailable(`Docker engine not reachable during ${operation}: ${failure.code}`, { cause: err });
  }
  const status = failure.statusCode ?? 0;
  const ErrorClass = status === 404 ? DockerNotFound : DockerError;
  return new ErrorClass(operation, status, engineMessage(failure), { cause: err });
}

/** True for a gateway DockerNotFound and for a raw dockerode 404. */
export function isNotFound(err: unknown): boolean {
  if (err instanceof DockerNotFound) return true;
  return typeof err === 'object' && err !== null && !(err instanceof BerthError) && (err as EngineFailure).statusCode === 404;
}

/** True when another writer got there first (create of an existing name, update with a stale version). */
export function isLostRace(err: unknown): boolean {
  if (!(err instanceof DockerError)) return false;
  return err.statusCode === 409 || /out of sequence/i.test(err.engineMessage);
}
