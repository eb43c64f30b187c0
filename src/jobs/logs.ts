// A job's log: lines persisted in job_logs (numbered per job) and published on `job.<id>.log`, so deploy
// logs can be replayed from the database and streamed live. Must never throw into a handler: a log line
// that cannot be written is reported to the queue logger and dropped.
import { publishJobLog, type JobLogEvent, type Publisher } from './events.ts';
import { isUuid, type Queryable } from './types.ts';

export interface AppendLogOptions extends Publisher {
  db: Queryable;
  jobId: string;
  line: string;
}

/** Appends one line. Callers serialise appends per job (the worker does), so seq is gap-free. */
export async function appendJobLog(opts: AppendLogOptions): Promise<JobLogEvent> {
  const { rows } = await opts.db.query<{ seq: number; at: Date }>(
    `INSERT INTO job_logs (job_id, seq, line)
     SELECT $1, coalesce(max(seq), 0) + 1, $2 FROM job_logs WHERE job_id = $1
     RETURNING seq, at`,
    [opts.jobId, opts.line],
  );
  const row = rows[0]!;
  const event: JobLogEvent = { jobId: opts.jobId, seq: row.seq, at: row.at.toISOString(), line: opts.line };
  await publishJobLog(opts, event);
  return event;
}

export interface ReadLogOptions {
  db: Queryable;
  jobId: string;
  /** Only lines after this seq (to resume a stream). */
  afterSeq?: number;
  limit?: number;
}

export interface JobLogLine {
  seq: number;
  at: Date;
  line: string;
}

export async function readJobLogs(opts: ReadLogOptions): Promise<JobLogLine[]> {
  if (!isUuid(opts.jobId)) return [];
  const { rows } = await opts.db.query<JobLogLine>(
    `SELECT seq, at, line FROM job_logs WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [opts.jobId, opts.afterSeq ?? 0, opts.limit ?? 10_000],
  );
  return rows;
}

export interface SerialLog {
  /** Queues a line behind the previous ones; resolves once it is written (or dropped). */
  log(line: string): Promise<void>;
  /** Resolves when every queued line is written: call before recording the job's outcome. */
  flush(): Promise<void>;
}

/** One writer per running job: lines keep their order and never race for a seq. */
export function serialLog(opts: Publisher & { db: Queryable; jobId: string }): SerialLog {
  let tail: Promise<void> = Promise.resolve();
  return {
    log(line: string) {
      tail = tail
        .then(() => appendJobLog({ ...opts, line }))
        .then(
          () => undefined,
          (err: unknown) => opts.logger?.warn({ err, jobId: opts.jobId }, 'job log line not written'),
        );
      return tail;
    },
    flush: () => tail,
  };
}
