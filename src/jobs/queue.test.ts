// The queue's SQL operations on a real database, one at a time and racing: enqueue validation, claim
// order and per-service exclusion, cancel, lease recovery, completion fencing, positions, logs.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import { testDatabase, type TestDatabase } from '../../test/support/db.ts';
import { Invalid, NotFound } from '../core/errors.ts';
import { MemoryBus } from '../infra/bus/memory.ts';
import { cancelJob } from './cancel.ts';
import { claimJobs } from './claim.ts';
import { completeJob } from './complete.ts';
import { enqueueJob } from './enqueue.ts';
import { JOB_STATE_TOPIC, type JobLogEvent, type JobStateEvent } from './events.ts';
import { getJob } from './get.ts';
import { appendJobLog, readJobLogs } from './logs.ts';
import { queuePosition } from './position.ts';
import { JobQueue } from './queue.ts';
import { recoverExpiredJobs } from './recover.ts';
import { defineJob, JobRegistry } from './registry.ts';
import type { Job } from './types.ts';

const S1 = '00000000-0000-4000-8000-000000000001';
const S2 = '00000000-0000-4000-8000-000000000002';
const S3 = '00000000-0000-4000-8000-000000000003';

const deploy = defineJob({
  name: 'test.deploy',
  schema: z.object({ image: z.string().min(1), replicas: z.number().int().min(1).default(1), env: z.record(z.string(), z.string()).default({}) }),
  maxAttempts: 2,
  async handler() {},
});

let tdb: TestDatabase;
const bus = new MemoryBus();
const TYPES = [deploy.name];

before(async () => {
  tdb = await testDatabase();
});
after(async () => {
  await tdb?.drop();
});
beforeEach(async () => {
  await tdb.pool.query('DELETE FROM jobs');
});

function enqueue(opts: { serviceId?: string | null; image?: string; runAt?: Date; maxAttempts?: number } = {}): Promise<Job> {
  return enqueueJob({
    db: tdb.pool,
    bus,
    type: deploy,
    payload: { image: opts.image ?? 'app:1' },
    serviceId: opts.serviceId,
    runAt: opts.runAt,
    maxAttempts: opts.maxAttempts,
    defaultTimeoutSeconds: 60,
  });
}

const claim = (limit: number, workerId = 'w1') => claimJobs({ db: tdb.pool, workerId, types: TYPES, limit, leaseSeconds: 30 });

async function runningOf(serviceId: string): Promise<number> {
  const { rows } = await tdb.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE service_id = $1 AND state = 'running'`, [serviceId]);
  return rows[0]!.n;
}

describe('enqueue', () => {
  it('stores a valid job queued, with the parsed payload and the type defaults', async () => {
    const job = await enqueue({ serviceId: S1 });
    assert.equal(job.state, 'queued');
    assert.equal(job.type, 'test.deploy');
    assert.deepEqual(job.payload, { image: 'app:1', replicas: 1, env: {} });
    assert.equal(job.serviceId, S1);
    assert.equal(job.attempts, 0);
    assert.equal(job.maxAttempts, 2);
    assert.equal(job.timeoutSeconds, 60);
    assert.deepEqual(await getJob({ db: tdb.pool, jobId: job.id }), job);
  });

  it('rejects a bad payload naming each field, and stores nothing', async () => {
    const err = await enqueueJob({
      db: tdb.pool,
      bus,
      type: deploy,
      payload: { image: '', replicas: 0, env: { A: 1 } } as never,
      defaultTimeoutSeconds: 60,
    }).catch((e: unknown) => e);
    assert.ok(err instanceof Invalid, String(err));
    assert.deepEqual(err.issues.map((i) => i.path).sort(), ['payload/env/A', 'payload/image', 'payload/replicas']);
    assert.match(err.message, /payload\/replicas: /);
    const { rows } = await tdb.pool.query('SELECT 1 FROM jobs');
    assert.equal(rows.length, 0);
  });

  it('rejects a service id that is not a uuid', async () => {
    await assert.rejects(enqueue({ serviceId: 'web' }), (e: unknown) => e instanceof Invalid && e.issues[0]?.path === 'serviceId');
  });

  it('announces the queued job on job.state', async () => {
    const seen: JobStateEvent[] = [];
    const off = await bus.subscribe(JOB_STATE_TOPIC, (p) => seen.push(p as JobStateEvent));
    const job = await enqueue({ serviceId: S2 });
    await new Promise((r) => setImmediate(r));
    await off();
    assert.deepEqual(seen, [{ jobId: job.id, type: 'test.deploy', serviceId: S2, state: 'queued', version: 1 }]);
  });

  it('refuses (through JobQueue) a type no worker registry knows', async () => {
    const queue = new JobQueue({ pool: tdb.pool, bus, registry: new JobRegistry() });
    await assert.rejects(queue.enqueue({ type: deploy, payload: { image: 'x' } }), /not registered/);
  });
});

describe('claim', () => {
  it('takes the head of each service and service-less jobs, never a second job of a service', async () => {
    const a1 = await enqueue({ serviceId: S1 });
    const a2 = await enqueue({ serviceId: S1 });
    const b1 = await enqueue({ serviceId: S2 });
    const n1 = await enqueue({ serviceId: null });
    const first = await claim(10);
    assert.deepEqual(first.map((j) => j.id), [a1.id, b1.id, n1.id]);
    assert.ok(first.every((j) => j.state === 'running' && j.attempts === 1 && j.lockedBy === 'w1' && j.leaseExpiresAt));
    assert.deepEqual(await claim(10, 'w2'), [], 'a2 waits for a1');
    await completeJob({ db: tdb.pool, workerId: 'w1', job: first[0]!, outcome: { kind: 'succeeded', result: { ok: true } } });
    const second = await claim(10, 'w2');
    assert.deepEqual(second.map((j) => j.id), [a2.id]);
    assert.deepEqual((await getJob({ db: tdb.pool, jobId: a1.id })).result, { ok: true });
  });

  it('respects run_at, and a job scheduled later does not hold its service', async () => {
    const later = await enqueue({ serviceId: S1, runAt: new Date(Date.now() + 3_600_000) });
    const now = await enqueue({ serviceId: S1 });
    assert.deepEqual((await claim(10)).map((j) => j.id), [now.id]);
    assert.equal((await getJob({ db: tdb.pool, jobId: later.id })).state, 'queued');
  });

  it('respects the limit and claims only the given types', async () => {
    for (let i = 0; i < 3; i++) await enqueue();
    assert.equal((await claim(2)).length, 2);
    assert.equal((await claimJobs({ db: tdb.pool, workerId: 'w1', types: ['other.type'], limit: 5, leaseSeconds: 30 })).length, 0);
  });

  it('the database refuses a second running job of one service', async () => {
    const a = await enqueue({ serviceId: S1 });
    const b = await enqueue({ serviceId: S1 });
    await assert.rejects(
      tdb.pool.query(
        `UPDATE jobs SET state = 'running', locked_by = 'x', lease_expires_at = now() + interval '1 minute' WHERE id = ANY($1::uuid[])`,
        [[a.id, b.id]],
      ),
      (e: { code?: string; constraint?: string }) => e.code === '23505' && e.constraint === 'jobs_one_running_per_service',
    );
  });

  it('two claims racing for two different jobs of one service: exactly one wins', async () => {
    // Worker A claims x1 inside a transaction it has not committed yet.
    const x1 = await enqueue({ serviceId: S1 });
    const a = await tdb.pool.connect();
    try {
      await a.query('BEGIN');
      const [won] = await claimJobs({ db: a, workerId: 'A', types: TYPES, limit: 1, leaseSeconds: 30 });
      assert.equal(won?.id, x1.id);
      // Meanwhile x0, due earlier, appears: in worker B's snapshot x1 is queued (and locked, so skipped)
      // and x0 is the service's head, so B's snapshot check passes. Only the unique index stops it.
      const x0 = await enqueue({ serviceId: S1, runAt: new Date(Date.now() - 60_000) });
      const racing = claimJobs({ db: tdb.pool, workerId: 'B', types: TYPES, limit: 1, leaseSeconds: 30 });
      // B must now be waiting on A's uncommitted index entry.
      await waitUntilBlocked();
      await a.query('COMMIT');
      assert.deepEqual(await racing, [], 'B lost the race and claimed nothing');
      assert.equal(await runningOf(S1), 1);
      assert.equal((await getJob({ db: tdb.pool, jobId: x0.id })).state, 'queued');
    } finally {
      await a.query('ROLLBACK').catch(() => {});
      a.release();
    }
  });

  it('under many concurrent claimers, each job runs once, one per service at a time, in FIFO order per service', async () => {
    const services = [S1, S2, S3];
    const enqueued = new Map<string, string[]>(services.map((s) => [s, []]));
    for (let i = 0; i < 30; i++) {
      const s = services[i % 3]!;
      enqueued.get(s)!.push((await enqueue({ serviceId: s })).id);
    }
    const claimedOrder = new Map<string, string[]>(services.map((s) => [s, []]));
    const claimedCount = new Map<string, number>();
    let done = 0;
    const claimer = async (workerId: string) => {
      for (let idle = 0; done < 30 && idle < 2000; ) {
        const jobs = await claimJobs({ db: tdb.pool, workerId, types: TYPES, limit: 2, leaseSeconds: 30 });
        if (jobs.length === 0) {
          idle++;
          await new Promise((r) => setTimeout(r, 2));
          continue;
        }
        for (const job of jobs) {
          claimedOrder.get(job.serviceId!)!.push(job.id);
          claimedCount.set(job.id, (claimedCount.get(job.id) ?? 0) + 1);
          assert.equal(await runningOf(job.serviceId!), 1, 'one running job per service');
          await completeJob({ db: tdb.pool, workerId, job, outcome: { kind: 'succeeded', result: null } });
          done++;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => claimer(`c${i}`)));
    assert.equal(done, 30);
    assert.ok([...claimedCount.values()].every((n) => n === 1));
    for (const s of services) assert.deepEqual(claimedOrder.get(s), enqueued.get(s), `FIFO for ${s}`);
  });
});

/** Waits until some session of the test database waits on a lock (the racing claim). */
async function waitUntilBlocked(): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await tdb.pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rows.length > 0) return;
    if (Date.now() > deadline) throw new Error('the racing claim never blocked');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('cancel', () => {
  it('cancels a queued job at once', async () => {
    const job = await enqueue({ serviceId: S1 });
    const { outcome, job: after } = await cancelJob({ db: tdb.pool, bus, jobId: job.id });
    assert.equal(outcome, 'cancelled');
    assert.equal(after.state, 'cancelled');
    assert.ok(after.finishedAt && after.cancelRequestedAt);
    assert.deepEqual(await claim(5), []);
  });

  it('asks a running job to stop and notifies its worker', async () => {
    const listener = await tdb.pool.connect();
    const notified: string[] = [];
    listener.on('notification', (m) => notified.push(m.payload ?? ''));
    await listener.query('LISTEN berth_jobs_cancel');
    try {
      await enqueue({ serviceId: S1 });
      const [running] = await claim(1);
      const { outcome, job } = await cancelJob({ db: tdb.pool, bus, jobId: running!.id });
      assert.equal(outcome, 'requested');
      assert.equal(job.state, 'running');
      assert.ok(job.cancelRequestedAt);
      const deadline = Date.now() + 5000;
      while (!notified.includes(running!.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(notified, [running!.id]);
      // Its worker records the end; a later cancel changes nothing.
      await completeJob({ db: tdb.pool, workerId: 'w1', job: running!, outcome: { kind: 'cancelled', reason: 'cancelled while running' } });
      assert.equal((await cancelJob({ db: tdb.pool, bus, jobId: running!.id })).outcome, 'finished');
    } finally {
      listener.release(true);
    }
  });

  it('an unknown or malformed id is NotFound', async () => {
    await assert.rejects(cancelJob({ db: tdb.pool, bus, jobId: '00000000-0000-4000-8000-00000000dead' }), NotFound);
    await assert.rejects(cancelJob({ db: tdb.pool, bus, jobId: 'nope' }), NotFound);
  });
});

describe('completion is fenced', () => {
  it('a worker that no longer holds the attempt writes nothing', async () => {
    await enqueue();
    const [job] = await claim(1, 'w1');
    assert.equal(await completeJob({ db: tdb.pool, workerId: 'w2', job: job!, outcome: { kind: 'succeeded', result: null } }), null);
    assert.equal(await completeJob({ db: tdb.pool, workerId: 'w1', job: { ...job!, attempts: 7 }, outcome: { kind: 'succeeded', result: null } }), null);
    assert.equal((await getJob({ db: tdb.pool, jobId: job!.id })).state, 'running');
  });

  it('a failed attempt is re-queued while attempts remain, then failed', async () => {
    await enqueue({ maxAttempts: 2 });
    const [first] = await claim(1);
    const requeued = await completeJob({ db: tdb.pool, workerId: 'w1', job: first!, outcome: { kind: 'failed', error: 'boom', retry: true } });
    assert.equal(requeued?.state, 'queued');
    assert.equal(requeued?.lastError, 'boom');
    assert.ok(requeued!.runAt.getTime() > first!.runAt.getTime(), 'retried after a delay');
    await tdb.pool.query('UPDATE jobs SET run_at = now()');
    const [second] = await claim(1);
    assert.equal(second?.attempts, 2);
    const failed = await completeJob({ db: tdb.pool, workerId: 'w1', job: second!, outcome: { kind: 'failed', error: 'boom again', retry: true } });
    assert.equal(failed?.state, 'failed');
    assert.equal(failed?.lastError, 'boom again');
    assert.ok(failed?.finishedAt);
  });

  it('a hand-back re-queues without using an attempt', async () => {
    await enqueue();
    const [job] = await claim(1);
    const back = await completeJob({ db: tdb.pool, workerId: 'w1', job: job!, outcome: { kind: 'handed_back' } });
    assert.equal(back?.state, 'queued');
    assert.equal(back?.attempts, 0);
    assert.equal(back?.lockedBy, null);
  });
});

describe('lease recovery', () => {
  const expire = (id: string) => tdb.pool.query(`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);

  it('re-queues a job of a dead worker while attempts remain, then fails it with the reason', async () => {
    const job = await enqueue({ serviceId: S1, maxAttempts: 2 });
    await claim(1, 'dead-1');
    assert.deepEqual(await recoverExpiredJobs({ db: tdb.pool, bus }), [], 'a valid lease is left alone');
    await expire(job.id);
    const [requeued] = await recoverExpiredJobs({ db: tdb.pool, bus });
    assert.equal(requeued?.state, 'queued');
    assert.equal(requeued?.attempts, 1);
    assert.match(requeued?.lastError ?? '', /^worker dead-1 stopped responding \(lease expired at \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
    const [again] = await claim(1, 'dead-2');
    assert.equal(again?.attempts, 2);
    await expire(job.id);
    const [failed] = await recoverExpiredJobs({ db: tdb.pool, bus });
    assert.equal(failed?.state, 'failed');
    assert.match(failed?.lastError ?? '', /^worker dead-2 stopped responding/);
    assert.ok(failed?.finishedAt);
  });

  it('a job asked to cancel whose worker died ends cancelled', async () => {
    const job = await enqueue({ maxAttempts: 3 });
    await claim(1, 'dead-3');
    await cancelJob({ db: tdb.pool, bus, jobId: job.id });
    await expire(job.id);
    const [recovered] = await recoverExpiredJobs({ db: tdb.pool, bus });
    assert.equal(recovered?.state, 'cancelled');
  });
});

describe('queue position', () => {
  it('counts queued jobs ahead overall and within the service', async () => {
    const a = await enqueue({ serviceId: S1 });
    const x = await enqueue({ serviceId: S2 });
    const b = await enqueue({ serviceId: S1 });
    const n = await enqueue({ serviceId: null });
    const c = await enqueue({ serviceId: S1 });
    const pos = (id: string) => queuePosition({ db: tdb.pool, jobId: id });
    assert.deepEqual(await pos(a.id), { position: 1, ahead: 0, aheadInService: 0, serviceBusy: false });
    assert.deepEqual(await pos(c.id), { position: 5, ahead: 4, aheadInService: 2, serviceBusy: false });
    assert.deepEqual(await pos(n.id), { position: 4, ahead: 3, aheadInService: 0, serviceBusy: false });
    const claimed = await claim(10);
    assert.deepEqual(claimed.map((j) => j.id).sort(), [a.id, x.id, n.id].sort());
    assert.equal(await pos(a.id), null, 'a running job has no position');
    assert.deepEqual(await pos(b.id), { position: 1, ahead: 0, aheadInService: 0, serviceBusy: true });
    assert.deepEqual(await pos(c.id), { position: 2, ahead: 1, aheadInService: 1, serviceBusy: true });
    await assert.rejects(pos('00000000-0000-4000-8000-00000000dead'), NotFound);
  });
});

describe('job logs', () => {
  it('numbers lines per job, persists them and publishes them', async () => {
    const job = await enqueue();
    const seen: JobLogEvent[] = [];
    const off = await bus.subscribe(`job.${job.id}.log`, (p) => seen.push(p as JobLogEvent));
    await appendJobLog({ db: tdb.pool, bus, jobId: job.id, line: 'pulling image' });
    await appendJobLog({ db: tdb.pool, bus, jobId: job.id, line: 'starting' });
    await new Promise((r) => setImmediate(r));
    await off();
    const lines = await readJobLogs({ db: tdb.pool, jobId: job.id });
    assert.deepEqual(lines.map((l) => [l.seq, l.line]), [[1, 'pulling image'], [2, 'starting']]);
    assert.deepEqual((await readJobLogs({ db: tdb.pool, jobId: job.id, afterSeq: 1 })).map((l) => l.line), ['starting']);
    assert.deepEqual(seen.map((e) => [e.seq, e.line]), [[1, 'pulling image'], [2, 'starting']]);
  });
});
