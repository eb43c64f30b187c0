// Two worker processes (test-fixtures/worker-process.ts) against one database: no job runs twice, jobs of
// one service never overlap, cancel and timeout reach a handler in another process, a SIGKILLed worker's
// job is recovered after its lease, and a SIGTERMed worker hands its job to the other one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabase, type TestDatabase } from '../../test/support/db.ts';
import { MemoryBus } from '../infra/bus/memory.ts';
import { JobQueue } from './queue.ts';
import { JobRegistry, type JobType } from './registry.ts';
import { createFixtureTables, fixtureJobs } from './test-fixtures/jobs.ts';
import { spawnWorker, type WorkerProcess } from './test-fixtures/spawn.ts';
import { waitFor } from './test-fixtures/wait.ts';
import type { Job, JobState } from './types.ts';

const LEASE_SECONDS = 2;

let tdb: TestDatabase;
let queue: JobQueue;
let types: Record<string, JobType>;
const live = new Map<string, WorkerProcess>();
let spawned = 0;

async function addWorker(): Promise<WorkerProcess> {
  const id = `proc-${++spawned}`;
  const w = await spawnWorker({ url: tdb.url, id, concurrency: 4, leaseSeconds: LEASE_SECONDS, graceMs: 200 });
  live.set(id, w);
  void w.exited.then(() => live.delete(id));
  return w;
}

/** Keeps two live worker processes (a test may have killed one). */
async function ensureTwoWorkers(): Promise<void> {
  while (live.size < 2) await addWorker();
}

before(async () => {
  tdb = await testDatabase();
  await createFixtureTables(tdb.pool);
  types = Object.fromEntries(fixtureJobs({ pool: tdb.pool, workerId: 'test' }).map((t) => [t.name, t]));
  // This process only enqueues and observes: it runs no worker.
  queue = new JobQueue({ pool: tdb.pool, bus: new MemoryBus(), registry: new JobRegistry(Object.values(types)), defaultTimeoutSeconds: 60 });
  await ensureTwoWorkers();
});

after(async () => {
  for (const w of live.values()) w.child.kill('SIGKILL');
  await Promise.all([...live.values()].map((w) => w.exited));
  await tdb?.drop();
});

function enqueue(name: string, payload: unknown, opts: { serviceId?: string; timeoutSeconds?: number; maxAttempts?: number } = {}): Promise<Job> {
  return queue.enqueue({ type: types[name]!, payload, ...opts });
}

function untilState(jobId: string, states: JobState[], timeoutMs = 20_000): Promise<Job> {
  return waitFor(
    async () => {
      const job = await queue.get(jobId);
      return states.includes(job.state) ? job : undefined;
    },
    { what: `job ${jobId} to be ${states.join('/')}`, timeoutMs },
  ).catch((err: Error) => {
    const logs = [...live.values()].map((w) => `--- ${w.id}\n${w.stderr().slice(-3000)}`).join('\n');
    throw new Error(`${err.message}\n${logs}`);
  });
}

async function events(jobId: string): Promise<{ kind: string; detail: string | null; attempt: number; worker: string }[]> {
  const { rows } = await tdb.pool.query('SELECT kind, detail, attempt, worker FROM fixture_events WHERE job_id = $1 ORDER BY id', [jobId]);
  return rows;
}

/** Waits until the job's handler has started, and returns the worker process running it. */
async function holderOf(jobId: string): Promise<WorkerProcess> {
  const started = await waitFor(async () => (await events(jobId)).find((e) => e.kind === 'started'), { what: `job ${jobId} to start` });
  const holder = live.get(started.worker);
  assert.ok(holder, `worker ${started.worker} is alive`);
  return holder;
}

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describe('two worker processes', () => {
  it('run 40 jobs of 8 services each exactly once, never two of one service at a time', async () => {
    await ensureTwoWorkers();
    const services = Array.from({ length: 8 }, (_, i) => uuid(0x100 + i));
    const jobs: Job[] = [];
    for (let i = 0; i < 40; i++) jobs.push(await enqueue('fixture.record', { sleepMs: 10 + (i % 5) * 10 }, { serviceId: services[i % 8] }));
    for (const job of jobs) await untilState(job.id, ['succeeded']);

    const { rows: counts } = await tdb.pool.query<{ job_id: string; n: number }>(
      'SELECT job_id, count(*)::int AS n FROM fixture_runs GROUP BY job_id',
    );
    assert.equal(counts.length, 40, 'every job ran');
    assert.ok(counts.every((r) => r.n === 1), 'no job ran twice');
    const { rows: stats } = await tdb.pool.query<{ max: number; workers: number }>(
      'SELECT max(concurrent)::int AS max, count(DISTINCT worker)::int AS workers FROM fixture_runs',
    );
    assert.equal(stats[0]!.max, 1, 'at most one job of a service inside a handler at any moment');
    assert.equal(stats[0]!.workers, 2, 'both processes took part');
    const { rows: overlaps } = await tdb.pool.query(
      `SELECT a.job_id FROM fixture_runs a JOIN fixture_runs b
         ON a.service_id = b.service_id AND a.id <> b.id AND a.started_at < b.ended_at AND b.started_at < a.ended_at`,
    );
    assert.deepEqual(overlaps, [], 'run intervals of one service never overlap');
    // FIFO per service: runs of a service started in enqueue order.
    for (const s of services) {
      const { rows } = await tdb.pool.query<{ job_id: string }>('SELECT job_id FROM fixture_runs WHERE service_id = $1 ORDER BY started_at', [s]);
      assert.deepEqual(rows.map((r) => r.job_id), jobs.filter((j) => j.serviceId === s).map((j) => j.id));
    }
  });

  it('cancel from this process stops a handler running in a worker process', async () => {
    await ensureTwoWorkers();
    const job = await enqueue('fixture.block', {}, { serviceId: uuid(0x200) });
    const holder = await holderOf(job.id);
    assert.equal((await queue.cancel(job.id)).outcome, 'requested');
    const done = await untilState(job.id, ['cancelled'], 10_000);
    assert.equal(done.lastError, 'cancelled while running');
    assert.deepEqual((await events(job.id)).map((e) => [e.kind, e.detail, e.worker]), [
      ['started', null, holder.id],
      ['aborted', 'JobCancelled', holder.id],
    ]);
  });

  it('a timeout in a worker process fails the job with the reason', async () => {
    await ensureTwoWorkers();
    const job = await enqueue('fixture.block', {}, { timeoutSeconds: 1 });
    const failed = await untilState(job.id, ['failed']);
    assert.equal(failed.lastError, 'timed out after 1s');
    assert.deepEqual((await events(job.id)).map((e) => e.detail), [null, 'JobTimedOut']);
  });

  it('queue position reflects what the worker processes are doing', async () => {
    await ensureTwoWorkers();
    const service = uuid(0x300);
    const first = await enqueue('fixture.block', {}, { serviceId: service });
    await holderOf(first.id);
    const second = await enqueue('fixture.record', { sleepMs: 0 }, { serviceId: service });
    const third = await enqueue('fixture.record', { sleepMs: 0 }, { serviceId: service });
    assert.equal(await queue.position(first.id), null, 'running');
    assert.deepEqual(await queue.position(third.id), { position: 2, ahead: 1, aheadInService: 1, serviceBusy: true });
    await queue.cancel(first.id);
    await untilState(third.id, ['succeeded']);
    assert.equal((await queue.get(second.id)).state, 'succeeded');
  });

  it('a SIGKILLed worker’s job is resumed by the other worker after its lease', async () => {
    await ensureTwoWorkers();
    const job = await enqueue('fixture.block', { finishOnAttempt: 2 }, { serviceId: uuid(0x400), maxAttempts: 2 });
    const victim = await holderOf(job.id);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const done = await untilState(job.id, ['succeeded', 'failed']);
    assert.equal(done.state, 'succeeded');
    assert.equal(done.attempts, 2);
    const ev = await events(job.id);
    assert.deepEqual(ev.map((e) => [e.kind, e.attempt]), [['started', 1], ['started', 2], ['finished', 2]]);
    assert.equal(ev[0]!.worker, victim.id);
    assert.notEqual(ev[1]!.worker, victim.id);
    assert.deepEqual(done.result, { finishedBy: ev[1]!.worker });
  });

  it('a SIGKILLed worker’s job without attempts left fails with a clear reason, never left running', async () => {
    await ensureTwoWorkers();
    const job = await enqueue('fixture.block', {}, { serviceId: uuid(0x500), maxAttempts: 1 });
    const victim = await holderOf(job.id);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const failed = await untilState(job.id, ['failed', 'queued', 'succeeded', 'cancelled']);
    assert.equal(failed.state, 'failed');
    assert.match(failed.lastError ?? '', new RegExp(`^worker ${victim.id} stopped responding \\(lease expired at \\S+Z\\)$`));
    assert.equal(failed.lockedBy, null);
    // The service is free again.
    const next = await enqueue('fixture.record', { sleepMs: 0 }, { serviceId: uuid(0x500) });
    await untilState(next.id, ['succeeded']);
  });

  it('a SIGTERMed worker hands its job back and the other worker runs it, the attempt not counted', async () => {
    await ensureTwoWorkers();
    const job = await enqueue('fixture.block', {}, { serviceId: uuid(0x600) });
    const leaving = await holderOf(job.id);
    leaving.child.kill('SIGTERM');
    const exit = await leaving.exited;
    assert.equal(exit.code, 0, leaving.stderr());
    assert.match(leaving.stdout(), new RegExp(`stopped \\{"handedBack":\\["${job.id}"\\]\\}`));
    const rerun = await waitFor(async () => (await events(job.id)).filter((e) => e.kind === 'started')[1], { what: 'the job to start again' });
    assert.notEqual(rerun.worker, leaving.id);
    assert.equal(rerun.attempt, 1, 'the handed-back attempt was not counted');
    await queue.cancel(job.id);
    await untilState(job.id, ['cancelled']);
  });
});
