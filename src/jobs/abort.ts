// Why a running job's AbortSignal fired. Handlers may rethrow `ctx.signal.reason`; the worker decides the
// job's outcome from the reason, never from the handler's error message. Must never carry behaviour.

/** Someone asked for the job to stop (cancelJob). The job ends `cancelled`. */
export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

/** The per-job timeout elapsed. The job ends `failed` (or is retried while attempts remain). */
export class JobTimedOut extends Error {
  constructor(readonly seconds: number) {
    super(`timed out after ${seconds}s`);
    this.name = 'JobTimedOut';
  }
}

/** This worker no longer holds the job's lease (another worker recovered it); nothing is written. */
export class LeaseLost extends Error {
  constructor(detail: string) {
    super(`lease lost: ${detail}`);
    this.name = 'LeaseLost';
  }
}

/** The worker is shutting down; an unfinished job is handed back to the queue without using an attempt. */
export class WorkerShutdown extends Error {
  constructor() {
    super('worker shutting down');
    this.name = 'WorkerShutdown';
  }
}

export type AbortReason = JobCancelled | JobTimedOut | LeaseLost | WorkerShutdown;

export function abortReasonOf(signal: AbortSignal): AbortReason | undefined {
  if (!signal.aborted) return undefined;
  const r: unknown = signal.reason;
  if (r instanceof JobCancelled || r instanceof JobTimedOut || r instanceof LeaseLost || r instanceof WorkerShutdown) return r;
  return undefined;
}
