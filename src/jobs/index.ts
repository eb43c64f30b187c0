// The job queue's public surface. Other rooms import from here, not from the modules behind it.
export { JobCancelled, JobTimedOut, LeaseLost, WorkerShutdown, type AbortReason } from './abort.ts';
export { cancelJob, type CancelResult } from './cancel.ts';
export { enqueueJob, type EnqueueOptions } from './enqueue.ts';
export { JOB_STATE_TOPIC, jobLogTopic, type JobLogEvent, type JobStateEvent } from './events.ts';
export { getJob } from './get.ts';
export { appendJobLog, readJobLogs, type JobLogLine } from './logs.ts';
export { queuePosition, type QueuePosition } from './position.ts';
export { JobQueue, jobSettingsFromConfig, type EnqueueRequest, type JobQueueOptions, type WorkerSettings } from './queue.ts';
export { recoverExpiredJobs } from './recover.ts';
export { defineJob, JobRegistry, parsePayload, type JobDefinition, type JobType } from './registry.ts';
export { FINISHED_STATES, type Job, type JobContext, type JobState, type Queryable, type QueueLogger } from './types.ts';
export { Worker, type StopOptions, type StopReport, type WorkerOptions } from './worker.ts';
