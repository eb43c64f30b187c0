// A worker: claims due jobs of the types it knows (up to `concurrency` at once), runs their handlers,
// keeps their leases alive, aborts them on cancel/timeout, recovers jobs of dead workers, and on stop
// hands back what it could not finish. Any number of workers in any number of processes share one
// database. Must never write a job it does not hold (every write is fenced on worker id and attempt),
// and must never mark a job finished while its handler may still be running.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { EventBus } from '../infra/bus/bus.ts';
import { JobCancelled, LeaseLost, WorkerShutdown, type AbortReason } from './abort.ts';
import { claimJobs } from './claim.ts';
import { completeJob, type Outcome } from './complete.ts';
import { publishJobState } from './events.ts';
import { renewLeases } from './heartbeat.ts';
import { CANCEL_CHANNEL, listen, WAKE_CHANNEL, type Listener } from './listener.ts';
import { serialLog } from './logs.ts';
import { recoverExpiredJobs } from './recover.ts';
import type { JobRegistry } from './registry.ts';
import { runHandler } from './run.ts';
import { silentLogger, type Job, type QueueLogger } from './types.ts';

export interface WorkerOptions {
  pool: pg.Pool;
  bus: EventBus;
  registry: JobRegistry;
  /** Jobs run at once by this worker (BERTH_JOB_CONCURRENCY). Default 2. */
  concurrency?: number;
  /** Lease of a running job, renewed every third of it (BERTH_JOB_LEASE_SECONDS). Default 30. */
  leaseSeconds?: number;
  /** Fallback poll when no notification arrives (jobs scheduled for later, a lost LISTEN). Default 1000. */
  pollIntervalMs?: number;
  /** How often to look for jobs of dead workers. Default: half the lease, at most 5 s. */
  recoverIntervalMs?: number;
  /** Shown in `locked_by` and in "worker <id> stopped responding". Default: host, pid and a random suffix. */
  id?: string;
  logger?: QueueLogger;
}

export interface StopOptions {
  /** How long running jobs may take to finish on their own. Default 10 s. */
  graceMs?: number;
  /** After the grace period their signals are aborted; how long to wait for handlers to return. Default 5 s. */
  abortWaitMs?: number;
}

export interface StopReport {
  /** Jobs re-queued without using an attempt. */
  handedBack: string[];
}

interface Active {
  job: Job;
  controller: AbortController;
  /** Local clock time until which the lease is known to hold. */
  leaseUntil: number;
  done: Promise<void>;
}

type Phase = 'new' | 'running' | 'stopping' | 'stopped';

export class Worker {
  readonly id: string;
  readonly #pool: pg.Pool;
  readonly #bus: EventBus;
  readonly #registry: JobRegistry;
  readonly #logger: QueueLogger;
  readonly #concurrency: number;
  readonly #leaseSeconds: number;
  readonly #pollIntervalMs: number;
  readonly #recoverIntervalMs: number;
  readonly #running = new Map<string, Active>();
  readonly #handedBack: string[] = [];
  /** Cancels notified for jobs not (yet) running here: a claim's result may arrive after the notification. */
  readonly #recentCancels = new Map<string, number>();
  #phase: Phase = 'new';
  #listener: Listener | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #tickAgain = false;
  #heartbeating = false;
  #lastRecoverAt = -Infinity;
  #stopped: Promise<StopReport> | undefined;

  constructor(opts: WorkerOptions) {
    this.id = opts.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.#pool = opts.pool;
    this.#bus = opts.bus;
    this.#registry = opts.registry;
    this.#logger = opts.logger ?? silentLogger;
    this.#concurrency = opts.concurrency ?? 2;
    this.#leaseSeconds = opts.leaseSeconds ?? 30;
    this.#pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.#recoverIntervalMs = opts.recoverIntervalMs ?? Math.min(this.#leaseSeconds * 500, 5000);
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) throw new Error('concurrency must be an integer ≥ 1');
    if (!(this.#leaseSeconds >= 1)) throw new Error('leaseSeconds must be at least 1');
  }

  /** Ids of the jobs this worker is running now. */
  get runningJobIds(): string[] {
    return [...this.#running.keys()];
  }

  async start(): Promise<void> {
    if (this.#phase !== 'new') throw new Error(`worker ${this.id} was already started`);
    this.#phase = 'running';
    try {
      this.#listener = await listen({
        pool: this.#pool,
        logger: this.#logger,
        handlers: {
          [WAKE_CHANNEL]: () => this.#kick(),
          [CANCEL_CHANNEL]: (jobId) => this.#onCancelNotified(jobId),
        },
        onConnected: () => this.#kick(),
      });
    } catch (err) {
      this.#phase = 'stopped';
      throw new Error(`job worker ${this.id} cannot listen for notifications: ${(err as Error).message}`, { cause: err });
    }
    this.#pollTimer = setInterval(() => this.#kick(), this.#pollIntervalMs);
    this.#heartbeatTimer = setInterval(() => void this.#heartbeat(), (this.#leaseSeconds * 1000) / 3);
    this.#kick();
    this.#logger.info({ workerId: this.id, types: this.#registry.names() }, 'job worker started');
  }

  /** Stops claiming, lets running jobs finish within the grace period, then aborts and hands back the rest. */
  stop(opts: StopOptions = {}): Promise<StopReport> {
    this.#stopped ??= this.#shutdown(opts);
    return this.#stopped;
  }

  async #shutdown({ graceMs = 10_000, abortWaitMs = 5_000 }: StopOptions): Promise<StopReport> {
    const wasRunning = this.#phase === 'running';
    this.#phase = 'stopping';
    if (wasRunning) {
      clearInterval(this.#pollTimer);
      await this.#tick;
      await this.#settle(graceMs);
      for (const active of this.#running.values()) this.#abort(active.job.id, new WorkerShutdown());
      await this.#settle(abortWaitMs);
      await this.#handBackStragglers();
    }
    clearInterval(this.#pollTimer);
    // The heartbeat ran until now so that jobs finishing during the grace period kept their leases.
    clearInterval(this.#heartbeatTimer);
    await this.#listener?.close();
    this.#phase = 'stopped';
    this.#logger.info({ workerId: this.id, handedBack: this.#handedBack }, 'job worker stopped');
    return { handedBack: [...this.#handedBack] };
  }

  async #settle(ms: number): Promise<void> {
    if (this.#running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.all([...this.#running.values()].map((a) => a.done)), elapsed]);
    clearTimeout(timer);
  }

  /** Handlers that ignore their signal: the process is leaving, so their jobs go back to the queue now. */
  async #handBackStragglers(): Promise<void> {
    for (const active of this.#running.values()) {
      this.#logger.warn({ jobId: active.job.id, type: active.job.type }, 'job handler ignored its abort signal; handing the job back');
      await this.#record(active.job, { kind: 'handed_back' }).catch((err: unknown) =>
        this.#logger.error({ err, jobId: active.job.id }, 'could not hand back job; its lease will expire'),
      );
    }
  }

  /** Asks for a claim round soon; rounds never overlap. */
  #kick(): void {
    if (this.#phase !== 'running') return;
    if (this.#tick) {
      this.#tickAgain = true;
      return;
    }
    this.#tick = this.#claimRounds()
      .catch((err: unknown) => this.#logger.error({ err, workerId: this.id }, 'job claim round failed'))
      .finally(() => (this.#tick = undefined));
  }

  async #claimRounds(): Promise<void> {
    do {
      this.#tickAgain = false;
      if (await this.#recoverIfDue()) this.#tickAgain = true;
      const free = this.#concurrency - this.#running.size;
      if (free <= 0 || this.#phase !== 'running') return;
      const sentAt = performance.now();
      const jobs = await claimJobs({
        db: this.#pool,
        workerId: this.id,
        types: this.#registry.names(),
        limit: free,
        leaseSeconds: this.#leaseSeconds,
      });
      for (const job of jobs) this.#launch(job, sentAt + this.#leaseSeconds * 1000);
    } while (this.#tickAgain && this.#phase === 'running');
  }

  async #recoverIfDue(): Promise<boolean> {
    if (performance.now() - this.#lastRecoverAt < this.#recoverIntervalMs) return false;
    this.#lastRecoverAt = performance.now();
    const recovered = await recoverExpiredJobs({ db: this.#pool, bus: this.#bus, logger: this.#logger });
    for (const job of recovered) {
      this.#logger.warn({ jobId: job.id, type: job.type, state: job.state, reason: job.lastError }, 'recovered job of a dead worker');
    }
    return recovered.some((j) => j.state === 'queued');
  }

  #launch(job: Job, leaseUntil: number): void {
    const controller = new AbortController();
    if (job.cancelRequestedAt || this.#recentCancels.has(job.id)) controller.abort(new JobCancelled());
    const active: Active = { job, controller, leaseUntil, done: Promise.resolve() };
    this.#running.set(job.id, active);
    active.done = this.#execute(active)
      .catch((err: unknown) => this.#logger.error({ err, jobId: job.id }, 'job bookkeeping failed; its lease will expire'))
      .finally(() => {
        this.#running.delete(job.id);
        this.#kick();
      });
  }

  async #execute({ job, controller }: Active): Promise<void> {
    await publishJobState({ bus: this.#bus, logger: this.#logger }, job);
    const log = serialLog({ db: this.#pool, bus: this.#bus, logger: this.#logger, jobId: job.id });
    const outcome = await runHandler({ job, type: this.#registry.get(job.type), controller, log: log.log });
    await log.flush();
    if (!outcome) {
      this.#logger.warn({ jobId: job.id, reason: String(controller.signal.reason) }, 'job is no longer ours; outcome not recorded');
      return;
    }
    await this.#record(job, outcome);
  }

  /** Writes the outcome (retrying a few times: giving up means the lease expires and the attempt counts as lost). */
  async #record(job: Job, outcome: Outcome): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await completeJob({ db: this.#pool, workerId: this.id, job, outcome });
        if (!row) return;
        if (outcome.kind === 'handed_back' && row.state === 'queued') this.#handedBack.push(row.id);
        const reason = outcome.kind === 'handed_back' && row.state === 'queued' ? 'handed back: worker shutting down' : row.lastError;
        await publishJobState({ bus: this.#bus, logger: this.#logger }, row, row.state === 'succeeded' ? undefined : reason);
        return;
      } catch (err) {
        if (attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  #onCancelNotified(jobId: string): void {
    if (this.#running.has(jobId)) return this.#abort(jobId, new JobCancelled());
    const now = performance.now();
    for (const [id, at] of this.#recentCancels) if (now - at > 60_000) this.#recentCancels.delete(id);
    this.#recentCancels.set(jobId, now);
  }

  #abort(jobId: string, reason: AbortReason): void {
    const active = this.#running.get(jobId);
    if (active && !active.controller.signal.aborted) active.controller.abort(reason);
  }

  /**
   * Every lease/3: renews the leases, and stops any job whose lease this worker could not renew in time
   * (a failing or hanging database) — past it another worker may already run the job, so ours must stop.
   */
  async #heartbeat(): Promise<void> {
    const now = performance.now();
    for (const a of this.#running.values()) {
      if (now >= a.leaseUntil) this.#abort(a.job.id, new LeaseLost(`could not renew it within ${this.#leaseSeconds}s`));
    }
    if (this.#heartbeating || this.#running.size === 0) return;
    this.#heartbeating = true;
    const renewing = [...this.#running.values()];
    const sentAt = performance.now();
    try {
      const result = await renewLeases({
        db: this.#pool,
        workerId: this.id,
        jobIds: renewing.map((a) => a.job.id),
        leaseSeconds: this.#leaseSeconds,
      });
      for (const a of renewing) a.leaseUntil = sentAt + this.#leaseSeconds * 1000;
      for (const id of result.cancelRequested) this.#abort(id, new JobCancelled());
      for (const id of result.lost) this.#abort(id, new LeaseLost('the job was recovered by another worker'));
    } catch (err) {
      this.#logger.warn({ err, workerId: this.id }, 'job heartbeat failed');
    } finally {
      this.#heartbeating = false;
    }
  }
}
