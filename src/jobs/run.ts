// Runs one claimed job's handler in this process: parses its payload, arms its timeout, and turns how the
// handler ended (and why its signal fired, if it did) into an Outcome for complete.ts. Must never write
// the job row: deciding and recording are separate so the decision can be tested on its own.
import { abortReasonOf, JobCancelled, JobTimedOut, LeaseLost, WorkerShutdown } from './abort.ts';
import type { Outcome } from './complete.ts';
import { parsePayload, type JobType } from './registry.ts';
import type { Job, JobContext } from './types.ts';

export interface RunOptions {
  job: Job;
  type: JobType;
  controller: AbortController;
  log: (line: string) => Promise<void>;
}

type Settled = { ok: true; result: unknown } | { ok: false; error: unknown };

const MAX_ERROR_LENGTH = 4000;

/** Resolves with the outcome to record, or null when the job is no longer this worker's (lease lost). */
export async function runHandler(opts: RunOptions): Promise<Outcome | null> {
  const { job, type, controller } = opts;
  let payload: unknown;
  try {
    payload = parsePayload(type, job.payload);
  } catch (err) {
    return { kind: 'failed', error: `invalid payload: ${errorMessage(err)}`, retry: false };
  }
  const ctx: JobContext = {
    signal: controller.signal,
    jobId: job.id,
    attempt: job.attempts,
    serviceId: job.serviceId,
    log: opts.log,
  };
  // Unref'd: the handler's own work keeps the process alive, a pending timeout alone must not.
  const timer = setTimeout(() => controller.abort(new JobTimedOut(job.timeoutSeconds)), job.timeoutSeconds * 1000).unref();
  let settled: Settled;
  try {
    // A cancel that arrived between claim and start: the handler never runs.
    settled = controller.signal.aborted ? { ok: false, error: controller.signal.reason } : { ok: true, result: await type.handler(payload, ctx) };
  } catch (error) {
    settled = { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
  return decideOutcome(controller.signal, settled);
}

/** Once the signal fired, its reason decides the outcome, whatever the handler did afterwards. */
export function decideOutcome(signal: AbortSignal, settled: Settled): Outcome | null {
  const reason = abortReasonOf(signal);
  if (reason instanceof LeaseLost) return null;
  if (reason instanceof JobCancelled) return { kind: 'cancelled', reason: 'cancelled while running' };
  if (reason instanceof JobTimedOut) return { kind: 'failed', error: reason.message, retry: true };
  if (reason instanceof WorkerShutdown && !settled.ok) return { kind: 'handed_back' };
  if (settled.ok) return { kind: 'succeeded', result: settled.result };
  return { kind: 'failed', error: errorMessage(settled.error), retry: true };
}

function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message || err.name : String(err);
  return text.length > MAX_ERROR_LENGTH ? text.slice(0, MAX_ERROR_LENGTH) + '…' : text;
}
