// Job types for the queue's tests. Each handler leaves evidence in fixture_* tables of the test database
// (created by createFixtureTables), so a test can check from outside what ran where, when and how often.
// Test-only: never registered by the server.
import type pg from 'pg';
import { z } from 'zod';
import { defineJob, type JobType } from '../registry.ts';

export async function createFixtureTables(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS fixture_runs (
      id bigserial PRIMARY KEY, job_id uuid NOT NULL, service_id uuid, worker text NOT NULL, attempt int NOT NULL,
      -- how many jobs of this service were inside a handler when this one started (must be 1)
      concurrent int NOT NULL,
      started_at timestamptz NOT NULL, ended_at timestamptz);
    CREATE TABLE IF NOT EXISTS fixture_active (service_id uuid PRIMARY KEY, n int NOT NULL);
    CREATE TABLE IF NOT EXISTS fixture_events (
      id bigserial PRIMARY KEY, job_id uuid NOT NULL, worker text NOT NULL, attempt int NOT NULL,
      kind text NOT NULL, detail text, at timestamptz NOT NULL DEFAULT clock_timestamp());`);
}

export interface FixtureOptions {
  pool: pg.Pool;
  workerId: string;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

export function fixtureJobs({ pool, workerId }: FixtureOptions): JobType[] {
  const event = (jobId: string, attempt: number, kind: string, detail: string | null = null) =>
    pool.query('INSERT INTO fixture_events (job_id, worker, attempt, kind, detail) VALUES ($1, $2, $3, $4, $5)', [jobId, workerId, attempt, kind, detail]);

  /** Appends one run row; counts how many runs of the same service overlap it. */
  const record = defineJob({
    name: 'fixture.record',
    schema: z.object({ sleepMs: z.number().int().min(0).max(10_000) }),
    async handler({ sleepMs }, ctx) {
      let concurrent = 1;
      if (ctx.serviceId) {
        const { rows } = await pool.query<{ n: number }>(
          `INSERT INTO fixture_active (service_id, n) VALUES ($1, 1)
           ON CONFLICT (service_id) DO UPDATE SET n = fixture_active.n + 1 RETURNING n`,
          [ctx.serviceId],
        );
        concurrent = rows[0]!.n;
      }
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO fixture_runs (job_id, service_id, worker, attempt, concurrent, started_at)
         VALUES ($1, $2, $3, $4, $5, clock_timestamp()) RETURNING id`,
        [ctx.jobId, ctx.serviceId, workerId, ctx.attempt, concurrent],
      );
      await sleep(sleepMs, ctx.signal);
      if (ctx.serviceId) await pool.query('UPDATE fixture_active SET n = n - 1 WHERE service_id = $1', [ctx.serviceId]);
      await pool.query('UPDATE fixture_runs SET ended_at = clock_timestamp() WHERE id = $1', [rows[0]!.id]);
    },
  });

  /** Runs until its signal fires (then rethrows the reason), unless this attempt is one that should finish. */
  const block = defineJob({
    name: 'fixture.block',
    schema: z.object({ finishOnAttempt: z.number().int().min(1).optional(), ignoreAbort: z.boolean().default(false) }),
    async handler({ finishOnAttempt, ignoreAbort }, ctx) {
      await event(ctx.jobId, ctx.attempt, 'started');
      await ctx.log(`attempt ${ctx.attempt} started on ${workerId}`);
      if (finishOnAttempt !== undefined && ctx.attempt >= finishOnAttempt) {
        await event(ctx.jobId, ctx.attempt, 'finished');
        return { finishedBy: workerId };
      }
      await aborted(ctx.signal);
      const reason = ctx.signal.reason as Error;
      await event(ctx.jobId, ctx.attempt, 'aborted', reason.name);
      if (ignoreAbort) {
        await new Promise((r) => setTimeout(r, 60_000).unref());
        return undefined;
      }
      throw reason;
    },
  });

  /** Always throws. */
  const fail = defineJob({
    name: 'fixture.fail',
    schema: z.object({ message: z.string().min(1) }),
    maxAttempts: 2,
    async handler({ message }, ctx) {
      await event(ctx.jobId, ctx.attempt, 'started');
      throw new Error(message);
    },
  });

  return [record, block, fail];
}
