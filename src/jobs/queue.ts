// The queue as the server holds it: one value built from the pool, the bus and the registry, with the
// use-cases the API needs (enqueue, get, cancel, position, logs) and a factory for workers. Must never
// hold state of its own beyond these handles: every replica builds one and they all agree via PostgreSQL.
import type pg from 'pg';
import type { Config } from '../config/config.ts';
import type { EventBus } from '../infra/bus/bus.ts';
import { cancelJob, type CancelResult } from './cancel.ts';
import { enqueueJob } from './enqueue.ts';
import { getJob } from './get.ts';
import { readJobLogs, type JobLogLine } from './logs.ts';
import { queuePosition, type QueuePosition } from './position.ts';
import type { JobRegistry, JobType } from './registry.ts';
import { silentLogger, type Job, type Queryable, type QueueLogger } from './types.ts';
import { Worker, type WorkerOptions } from './worker.ts';

export interface JobQueueOptions {
  pool: pg.Pool;
  bus: EventBus;
  registry: JobRegistry;
  /** Timeout of jobs whose type sets none (BERTH_JOB_TIMEOUT_SECONDS). Default 1800. */
  defaultTimeoutSeconds?: number;
  logger?: QueueLogger;
}

export interface EnqueueRequest<Payload, Input> {
  type: JobType<Payload, Input>;
  payload: Input;
  serviceId?: string | null;
  orgId?: string | null;
  runAt?: Date;
  maxAttempts?: number;
  timeoutSeconds?: number;
  /** The caller's transaction client, to enqueue atomically with its own writes. Default: the pool. */
  db?: Queryable;
}

export type WorkerSettings = Omit<WorkerOptions, 'pool' | 'bus' | 'registry'>;

export class JobQueue {
  readonly #opts: Required<JobQueueOptions>;

  constructor(opts: JobQueueOptions) {
    this.#opts = { defaultTimeoutSeconds: 1800, logger: silentLogger, ...opts };
  }

  get registry(): JobRegistry {
    return this.#opts.registry;
  }

  /** Validates the payload (Invalid names `payload/<field>`) and stores the job `queued`. */
  async enqueue<Payload, Input>(req: EnqueueRequest<Payload, Input>): Promise<Job> {
    // A type no worker knows would sit in the queue forever (and hold its service's queue).
    if (!this.#opts.registry.has(req.type.name)) throw new Error(`job type ${req.type.name} is not registered`);
    const { pool, bus, logger, defaultTimeoutSeconds } = this.#opts;
    return await enqueueJob({ ...req, db: req.db ?? pool, bus, logger, defaultTimeoutSeconds });
  }

  get(jobId: string): Promise<Job> {
    return getJob({ db: this.#opts.pool, jobId });
  }

  cancel(jobId: string): Promise<CancelResult> {
    return cancelJob({ db: this.#opts.pool, bus: this.#opts.bus, logger: this.#opts.logger, jobId });
  }

  /** Null when the job is no longer queued. */
  position(jobId: string): Promise<QueuePosition | null> {
    return queuePosition({ db: this.#opts.pool, jobId });
  }

  logs(jobId: string, opts: { afterSeq?: number; limit?: number } = {}): Promise<JobLogLine[]> {
    return readJobLogs({ db: this.#opts.pool, jobId, ...opts });
  }

  /** A worker over the same pool, bus and registry; call `start()` on it, and `stop()` at shutdown. */
  createWorker(settings: WorkerSettings = {}): Worker {
    const { pool, bus, registry, logger } = this.#opts;
    return new Worker({ logger, ...settings, pool, bus, registry });
  }
}

/** The BERTH_JOB_* settings as worker settings and the queue's default timeout. */
export function jobSettingsFromConfig(
  config: Pick<Config, 'BERTH_JOB_CONCURRENCY' | 'BERTH_JOB_LEASE_SECONDS' | 'BERTH_JOB_TIMEOUT_SECONDS'>,
): { worker: Pick<WorkerSettings, 'concurrency' | 'leaseSeconds'>; defaultTimeoutSeconds: number } {
  return {
    worker: { concurrency: config.BERTH_JOB_CONCURRENCY, leaseSeconds: config.BERTH_JOB_LEASE_SECONDS },
    defaultTimeoutSeconds: config.BERTH_JOB_TIMEOUT_SECONDS,
  };
}
