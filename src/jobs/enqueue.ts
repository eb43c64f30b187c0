// Adds a job: validates its payload against the type's schema, stores it `queued`, announces it.
// Must never run or claim anything, and must never store a payload its schema rejects.
import { Invalid } from '../core/errors.ts';
import { publishJobState, type Publisher } from './events.ts';
import { parsePayload, type JobType } from './registry.ts';
import { isUuid, JOB_COLUMNS, toJob, type Job, type JobRowSql, type Queryable } from './types.ts';

export interface EnqueueOptions<Payload, Input> extends Publisher {
  /** A pool, or the caller's transaction client to enqueue atomically with its own writes. */
  db: Queryable;
  type: JobType<Payload, Input>;
  payload: Input;
  /** Serialisation key: jobs of one service run one at a time, oldest due first. */
  serviceId?: string | null;
  orgId?: string | null;
  /** Not before this time (default: now). */
  runAt?: Date;
  /** Overrides the type's maxAttempts. */
  maxAttempts?: number;
  /** Overrides the type's timeout. */
  timeoutSeconds?: number;
  /** Used when neither the call nor the type sets a timeout (BERTH_JOB_TIMEOUT_SECONDS). */
  defaultTimeoutSeconds: number;
}

export async function enqueueJob<Payload, Input>(opts: EnqueueOptions<Payload, Input>): Promise<Job> {
  const payload = parsePayload(opts.type, opts.payload);
  checkOptions(opts);
  const { rows } = await opts.db.query<JobRowSql>(
    `INSERT INTO jobs (type, payload, service_id, org_id, max_attempts, timeout_seconds, run_at)
     VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now()))
     RETURNING ${JOB_COLUMNS}`,
    [
      opts.type.name,
      JSON.stringify(payload ?? null),
      opts.serviceId ?? null,
      opts.orgId ?? null,
      opts.maxAttempts ?? opts.type.maxAttempts,
      opts.timeoutSeconds ?? opts.type.timeoutSeconds ?? opts.defaultTimeoutSeconds,
      opts.runAt ?? null,
    ],
  );
  const job = toJob(rows[0]!);
  // Inside a caller's transaction this announces a job that is not committed yet; the bus is advisory
  // (readers fetch the row), and workers are woken by the insert trigger only at commit.
  await publishJobState(opts, job);
  return job;
}

function checkOptions(opts: EnqueueOptions<unknown, unknown>): void {
  const issues: { path: string; message: string }[] = [];
  if (opts.serviceId != null && !isUuid(opts.serviceId)) issues.push({ path: 'serviceId', message: 'expected a uuid' });
  if (opts.orgId != null && !isUuid(opts.orgId)) issues.push({ path: 'orgId', message: 'expected a uuid' });
  if (opts.maxAttempts !== undefined && !(Number.isInteger(opts.maxAttempts) && opts.maxAttempts >= 1)) {
    issues.push({ path: 'maxAttempts', message: 'expected an integer ≥ 1' });
  }
  if (opts.timeoutSeconds !== undefined && !(Number.isInteger(opts.timeoutSeconds) && opts.timeoutSeconds > 0)) {
    issues.push({ path: 'timeoutSeconds', message: 'expected a positive integer' });
  }
  if (opts.runAt !== undefined && Number.isNaN(opts.runAt.getTime())) issues.push({ path: 'runAt', message: 'expected a valid date' });
  if (issues.length > 0) throw new Invalid(issues);
}
