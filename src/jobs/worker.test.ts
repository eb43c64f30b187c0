// The Worker in this process against a real database: running, events, parallelism across services,
// timeout, cancel (over LISTEN/NOTIFY, with a lease long enough that the heartbeat cannot be what
// noticed), retries, logs, and graceful shutdown handing jobs back.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { z } from 'zod';
import { testDatabase, type TestDatabase } from '../../test/support/db.ts';
import { MemoryBus } from '../infra/bus/memory.ts';
import { JOB_STATE_TOPIC, type JobStateEvent } from './events.ts';
import { JobQueue } from './queue.ts';
import { defineJob, JobRegistry, type JobType } from './registry.ts';
import { createFixtureTables, fixtureJobs } from './test-fixtures/jobs.ts';
import { waitFor } from './test-fixtures/wait.ts';
import type { Job, JobState } from './types.ts';
import type { Worker } from './worker.ts';

const S1 = '00000000-0000-4000-8000-0000000000a1';
const S2 = '00000000-0000-4000-8000-0000000000a2';
const S3 = '00000000-0000-4000-8000-0000000000a3';

const echo = defineJob({
  name: 'test.echo',
  schema: z.object({ text: z.string() }),
  async handler({ text }, ctx) {
    await ctx.log(`echo ${text}`);
    return { echoed: text, attempt: ctx.attempt };
  },
});

let tdb: TestDatabase;
let queue: JobQueue;
let types: Record<string, JobType>;
const bus = new MemoryBus();
const workers: Worker[] = [];

before(async () => {
  tdb = await testDatabase();
  await createFixtureTables(tdb.pool);
  const fixtures = fixtureJobs({ pool: tdb.pool, workerId: 'in-process' });
  types = Object.fromEntries([...fixtures, echo].map((t) => [t.name, t]));
  queue = new JobQueue({ pool: tdb.pool, bus, registry: new JobRegistry(Object.values(types)), defaultTimeoutSeconds: 60 });
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop({ graceMs: 0, abortWaitMs: 1000 })));
});
after(async () => {
  await tdb?.drop();
});

async function startWorker(settings: { concurrency?: number; leaseSeconds?: number } = {}): Promise<Worker> {
  const worker = queue.createWorker({ concurrency: 2, leaseSeconds: 60, pollIntervalMs: 200, ...settings });
  workers.push(worker);
  await worker.start();
  return worker;
}

function type(name: string): JobType {
  return types[name]!;
}

function enqueue(name: string, payload: unknown, opts: { serviceId?: string; timeoutSeconds?: number; maxAttempts?: number } = {}): Promise<Job> {
  return queue.enqueue({ type: type(name), payload, ...opts });
}

function untilState(jobId: string, states: JobState[], timeoutMs = 15_000): Promise<Job> {
  return waitFor(
    async () => {
      const job = await queue.get(jobId);
      return states.includes(job.state) ? job : undefined;
    },
    { what: `job ${jobId} to be ${states.join('/')}`, timeoutMs },
  );
}

async function events(jobId: string): Promise<{ kind: string; detail: string | null; attempt: number }[]> {
  const { rows } = await tdb.pool.query('SELECT kind, detail, attempt FROM fixture_events WHERE job_id = $1 ORDER BY id', [jobId]);
  return rows;
}

describe('Worker', () => {
  it('runs a job, stores its result and log, and publishes every state change', async () => {
    const seen: JobStateEvent[] = [];
    const off = await bus.subscribe(JOB_STATE_TOPIC, (p) => seen.push(p as JobStateEvent));
    await startWorker();
    const job = await enqueue('test.echo', { text: 'hi' }, { serviceId: S1 });
    const done = await untilState(job.id, ['succeeded']);
    assert.deepEqual(done.result, { echoed: 'hi', attempt: 1 });
    assert.equal(done.lockedBy, null);
    assert.ok(done.startedAt && done.finishedAt);
    assert.deepEqual((await queue.logs(job.id)).map((l) => l.line), ['echo hi']);
    await waitFor(() => seen.some((e) => e.jobId === job.id && e.state === 'succeeded'), { what: 'the succeeded event' });
    await off();
    // The enqueuer and the worker publish independently, so arrival order is not promised; `version` orders them.
    const mine = seen.filter((e) => e.jobId === job.id).sort((a, b) => a.version - b.version);
    assert.deepEqual(mine.map((e) => [e.state, e.version]), [['queued', 1], ['running', 2], ['succeeded', 3]]);
    assert.deepEqual(mine[0], { jobId: job.id, type: 'test.echo', serviceId: S1, state: 'queued', version: 1 });
    assert.equal(done.stateVersion, 3);
  });

  it('runs jobs of different services in parallel up to its concurrency', async () => {
    const worker = await startWorker({ concurrency: 3 });
    const jobs = await Promise.all([S1, S2, S3].map((s) => enqueue('fixture.block', {}, { serviceId: s })));
    await waitFor(() => worker.runningJobIds.length === 3, { what: 'three jobs running at once' });
    const fourth = await enqueue('fixture.block', {}, { serviceId: '00000000-0000-4000-8000-0000000000a4' });
    assert.equal((await queue.get(fourth.id)).state, 'queued');
    for (const job of [...jobs, fourth]) await queue.cancel(job.id);
    await Promise.all([...jobs, fourth].map((j) => untilState(j.id, ['cancelled'])));
  });

  it('fails a job that runs past its timeout, with the reason, after aborting its handler', async () => {
    await startWorker();
    const job = await enqueue('fixture.block', {}, { timeoutSeconds: 1 });
    const failed = await untilState(job.id, ['failed']);
    assert.equal(failed.lastError, 'timed out after 1s');
    assert.deepEqual(await events(job.id), [
      { kind: 'started', detail: null, attempt: 1 },
      { kind: 'aborted', detail: 'JobTimedOut', attempt: 1 },
    ]);
  });

  it('cancels a running job: its signal aborts (notified, not polled) and it ends cancelled', async () => {
    await startWorker({ leaseSeconds: 300 }); // heartbeat every 100 s: only the notification can be this fast
    const job = await enqueue('fixture.block', {}, { serviceId: S1 });
    await waitFor(async () => (await events(job.id)).length > 0, { what: 'the handler to start' });
    assert.equal((await queue.cancel(job.id)).outcome, 'requested');
    const cancelled = await untilState(job.id, ['cancelled'], 5_000);
    assert.equal(cancelled.lastError, 'cancelled while running');
    assert.deepEqual((await events(job.id)).map((e) => [e.kind, e.detail]), [['started', null], ['aborted', 'JobCancelled']]);
  });

  it('stops a job whose lease another worker took over, and writes nothing for it', async () => {
    const worker = await startWorker({ leaseSeconds: 2 });
    const job = await enqueue('fixture.block', {});
    await waitFor(async () => (await events(job.id)).length > 0, { what: 'the handler to start' });
    // As if this worker had stalled and another had recovered and claimed the job.
    await tdb.pool.query(`UPDATE jobs SET locked_by = 'someone-else' WHERE id = $1`, [job.id]);
    await waitFor(async () => (await events(job.id)).some((e) => e.detail === 'LeaseLost'), { what: 'the handler to see LeaseLost' });
    await waitFor(() => !worker.runningJobIds.includes(job.id), { what: 'the worker to let go of the job' });
    const after = await queue.get(job.id);
    assert.equal(after.state, 'running');
    assert.equal(after.lockedBy, 'someone-else');
    await tdb.pool.query(`UPDATE jobs SET state = 'cancelled', locked_by = NULL, lease_expires_at = NULL, finished_at = now() WHERE id = $1`, [job.id]);
  });

  it('retries a failing job while attempts remain, then fails it with the error', async () => {
    await startWorker();
    const job = await enqueue('fixture.fail', { message: 'disk full' });
    const failed = await untilState(job.id, ['failed']);
    assert.equal(failed.attempts, 2);
    assert.equal(failed.lastError, 'disk full');
    assert.deepEqual((await events(job.id)).map((e) => e.attempt), [1, 2]);
  });

  it('fails without retry a stored payload its schema rejects, naming the field', async () => {
    await startWorker();
    const { rows } = await tdb.pool.query<{ id: string }>(
      `INSERT INTO jobs (type, payload, timeout_seconds, max_attempts) VALUES ('fixture.record', '{"sleepMs": "soon"}', 10, 3) RETURNING id`,
    );
    const failed = await untilState(rows[0]!.id, ['failed']);
    assert.equal(failed.attempts, 1);
    assert.match(failed.lastError ?? '', /^invalid payload: payload\/sleepMs: /);
  });

  it('on stop, hands back a job that did not finish without using an attempt', async () => {
    const worker = await startWorker();
    const job = await enqueue('fixture.block', {}, { serviceId: S2 });
    await waitFor(() => worker.runningJobIds.includes(job.id), { what: 'the job to run' });
    workers.splice(workers.indexOf(worker), 1);
    const report = await worker.stop({ graceMs: 100, abortWaitMs: 2000 });
    assert.deepEqual(report.handedBack, [job.id]);
    const back = await queue.get(job.id);
    assert.equal(back.state, 'queued');
    assert.equal(back.attempts, 0);
    assert.deepEqual((await events(job.id)).map((e) => e.detail), [null, 'WorkerShutdown']);
    // The next worker runs it as attempt 1.
    const next = await startWorker();
    await waitFor(() => next.runningJobIds.includes(job.id), { what: 'the job to run again' });
    assert.equal((await queue.get(job.id)).attempts, 1);
    await queue.cancel(job.id);
    await untilState(job.id, ['cancelled']);
  });

  it('on stop, hands back even a job whose handler ignores its signal', async () => {
    const worker = await startWorker();
    const job = await enqueue('fixture.block', { ignoreAbort: true });
    await waitFor(() => worker.runningJobIds.includes(job.id), { what: 'the job to run' });
    workers.splice(workers.indexOf(worker), 1);
    const report = await worker.stop({ graceMs: 50, abortWaitMs: 300 });
    assert.deepEqual(report.handedBack, [job.id]);
    assert.equal((await queue.get(job.id)).state, 'queued');
    await queue.cancel(job.id);
  });

  it('lets a job finishing within the grace period succeed', async () => {
    const worker = await startWorker();
    const job = await enqueue('fixture.record', { sleepMs: 300 });
    await waitFor(() => worker.runningJobIds.includes(job.id), { what: 'the job to run' });
    workers.splice(workers.indexOf(worker), 1);
    const report = await worker.stop({ graceMs: 10_000 });
    assert.deepEqual(report.handedBack, []);
    assert.equal((await queue.get(job.id)).state, 'succeeded');
  });
});
