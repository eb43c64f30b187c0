// Following a deployment's log to its end: the live stream (server-sent events) from the last line seen,
// reconnecting with `after=<last event id>` when a connection that worked drops or closes before the
// `end` event, so a server restart or a network blip costs no lines and prints none twice.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, DeploymentLogLine, DeploymentStatus, ServiceScope } from './api-client.ts';
import { UnreachableError } from './errors.ts';
import { eventJson, SseParser } from './sse.ts';

export interface DeploymentEnd {
  status: DeploymentStatus;
  reason: string | null;
}

export interface FollowOptions {
  client: ApiClient;
  scope: ServiceScope;
  service: string;
  id: string;
  /** Print nothing up to this line number. */
  after?: number;
  /** Aborted (Ctrl-C): stop following; `followDeployment` resolves to undefined. */
  signal?: AbortSignal;
  onLine: (line: DeploymentLogLine) => void;
  /** Told before each reconnection, with why. */
  onReconnect?: (why: string, attempt: number) => void;
  /** Reconnections in a row before giving up (default 5); any event received resets the count. */
  retries?: number;
  /** First delay between reconnections (default 1 s), doubled each time up to 10×. */
  backoffMs?: number;
  idleTimeoutMs?: number;
}

/** Follows the log until the deployment ends (its final status) or `signal` aborts (undefined). */
export async function followDeployment(opts: FollowOptions): Promise<DeploymentEnd | undefined> {
  const retries = opts.retries ?? 5;
  const backoff = opts.backoffMs ?? 1000;
  let after = opts.after ?? 0;
  let connected = false;
  let attempt = 0;
  for (;;) {
    let why: string;
    const parser = new SseParser();
    try {
      for await (const e of opts.client.deploymentLogEvents(opts.scope, opts.service, opts.id, { after, signal: opts.signal, parser, idleTimeoutMs: opts.idleTimeoutMs })) {
        connected = true;
        attempt = 0;
        if (e.event === 'line') {
          const line = eventJson<DeploymentLogLine>(e);
          const seq = Number(e.id ?? line.seq);
          if (Number.isSafeInteger(seq) && seq <= after) continue; // already printed before a reconnection
          if (Number.isSafeInteger(seq)) after = seq;
          opts.onLine(line);
        } else if (e.event === 'end') {
          const end = eventJson<Partial<DeploymentEnd>>(e);
          return { status: end.status ?? 'failed', reason: end.reason ?? null };
        }
      }
      if (opts.signal?.aborted) return undefined;
      why = 'the server closed the log stream before the deployment ended';
    } catch (err) {
      if (opts.signal?.aborted) return undefined;
      // Only a connection that worked is retried: a server that never answered is reported at once.
      if (!(err instanceof UnreachableError) || !connected) throw err;
      why = err.reason;
    }
    if (++attempt > retries) throw new UnreachableError(opts.client.url, `${why} (gave up after ${retries} reconnection${retries === 1 ? '' : 's'})`);
    opts.onReconnect?.(why, attempt);
    try {
      await sleep(Math.min(backoff * 2 ** (attempt - 1), backoff * 10), undefined, { signal: opts.signal });
    } catch {
      return undefined; // aborted while waiting
    }
  }
}
