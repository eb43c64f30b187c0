// The queue's vocabulary: a job row as the rest of Berth sees it, the handler's context, and the
// narrow database handle every SQL module takes. Types only, plus the one row mapper; no I/O here.
import type pg from 'pg';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const FINISHED_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export interface Job {
  id: string;
  type: string;
  payload: unknown;
  /** Serialisation key: jobs of one service run one at a time, in order. */
  serviceId: string | null;
  orgId: string | null;
  state: JobState;
  /** Attempts started so far (the running attempt included). */
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  timeoutSeconds: number;
  lockedBy: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  result: unknown;
  cancelRequestedAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** +1 on every state change: orders a job's state events, which the bus may deliver out of order. */
  stateVersion: number;
}

/** What a handler gets besides its payload. The lease heartbeat is automatic. */
export interface JobContext {
  /** Aborted on cancel, timeout, lost lease or worker shutdown; `signal.reason` says which (see abort.ts). */
  signal: AbortSignal;
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
  serviceId: string | null;
  /** Appends a line to the job's persistent log and publishes it on `job.<id>.log`. Never throws. */
  log(line: string): Promise<void>;
}

/** A pool, or a client inside the caller's transaction (enqueue atomically with the caller's own rows). */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** A pino-compatible subset; the queue never logs to stdout on its own. */
export interface QueueLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: QueueLogger = { info() {}, warn() {}, error() {} };

export interface JobRowSql {
  id: string;
  type: string;
  payload: unknown;
  service_id: string | null;
  org_id: string | null;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  timeout_seconds: number;
  locked_by: string | null;
  lease_expires_at: Date | null;
  last_error: string | null;
  result: unknown;
  cancel_requested_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  state_version: number;
}

/** The column list every RETURNING uses (seq is internal ordering, not part of a Job). */
export const JOB_COLUMNS = `id, type, payload, service_id, org_id, state, attempts, max_attempts, run_at,
  timeout_seconds, locked_by, lease_expires_at, last_error, result, cancel_requested_at, created_at,
  started_at, finished_at, state_version`;

export function toJob(r: JobRowSql): Job {
  return {
    id: r.id,
    type: r.type,
    payload: r.payload,
    serviceId: r.service_id,
    orgId: r.org_id,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    timeoutSeconds: r.timeout_seconds,
    lockedBy: r.locked_by,
    leaseExpiresAt: r.lease_expires_at,
    lastError: r.last_error,
    result: r.result,
    cancelRequestedAt: r.cancel_requested_at,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    stateVersion: r.state_version,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs: a malformed one is "no such job", not a database error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
