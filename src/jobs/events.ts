// What the queue tells the rest of Berth: every state change on `job.state`, every log line on
// `job.<id>.log`. Publishing is best effort (the bus is at-most-once; PostgreSQL holds the truth), so a
// bus failure must never fail or roll back a queue operation.
import type { EventBus } from '../infra/bus/bus.ts';
import type { Job, JobState, QueueLogger } from './types.ts';

export const JOB_STATE_TOPIC = 'job.state';

export function jobLogTopic(jobId: string): string {
  return `job.${jobId}.log`;
}

export interface JobStateEvent {
  jobId: string;
  type: string;
  serviceId: string | null;
  state: JobState;
  /**
   * 1 when queued, +1 on every state change. Events can arrive out of order (a job enqueued in one replica
   * and claimed in another): a consumer keeps, per job, the event with the highest version.
   */
  version: number;
  reason?: string;
}

export interface JobLogEvent {
  jobId: string;
  seq: number;
  at: string;
  line: string;
}

export interface Publisher {
  bus: EventBus;
  logger?: QueueLogger;
}

export async function publishJobState(
  p: Publisher,
  job: Pick<Job, 'id' | 'type' | 'serviceId' | 'state' | 'stateVersion'>,
  reason?: string | null,
): Promise<void> {
  const event: JobStateEvent = { jobId: job.id, type: job.type, serviceId: job.serviceId, state: job.state, version: job.stateVersion };
  if (reason) event.reason = reason;
  await publishSafely(p, JOB_STATE_TOPIC, event);
}

export async function publishJobLog(p: Publisher, event: JobLogEvent): Promise<void> {
  await publishSafely(p, jobLogTopic(event.jobId), event);
}

async function publishSafely(p: Publisher, topic: string, payload: unknown): Promise<void> {
  try {
    await p.bus.publish(topic, payload);
  } catch (err) {
    p.logger?.warn({ err, topic }, 'job event not published');
  }
}
