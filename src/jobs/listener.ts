// A dedicated PostgreSQL session LISTENing on the queue's channels (berth_jobs_wake, berth_jobs_cancel),
// reconnecting after a lost connection. Notifications only make workers react sooner; the worker's poll
// and heartbeat catch up on anything missed while disconnected. Must never be the only way a worker
// learns about a job.
import type pg from 'pg';
import type { QueueLogger } from './types.ts';

export const WAKE_CHANNEL = 'berth_jobs_wake';
export const CANCEL_CHANNEL = 'berth_jobs_cancel';

export interface ListenOptions {
  pool: pg.Pool;
  /** channel → handler of the notification's payload */
  handlers: Record<string, (payload: string) => void>;
  /** Called after (re)connecting, so the caller can catch up on what it may have missed. */
  onConnected?: () => void;
  logger: QueueLogger;
  reconnectDelayMs?: number;
}

export interface Listener {
  close(): Promise<void>;
}

export async function listen(opts: ListenOptions): Promise<Listener> {
  let closed = false;
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;

  const onNotification = (msg: pg.Notification) => opts.handlers[msg.channel]?.(msg.payload ?? '');

  const drop = (c: pg.PoolClient, err?: Error) => {
    c.off('notification', onNotification);
    c.release(err ?? true);
  };

  const connect = async (): Promise<void> => {
    const c = await opts.pool.connect();
    c.on('notification', onNotification);
    c.once('error', (err) => {
      if (client !== c) return;
      client = undefined;
      drop(c, err);
      if (closed) return;
      opts.logger.warn({ err }, 'job listener lost its connection; reconnecting');
      schedule();
    });
    try {
      for (const channel of Object.keys(opts.handlers)) await c.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (err) {
      drop(c, err as Error);
      throw err;
    }
    if (closed) {
      drop(c);
      return;
    }
    client = c;
    opts.onConnected?.();
  };

  const schedule = () => {
    retry = setTimeout(() => {
      retry = undefined;
      if (closed) return;
      connect().catch((err: unknown) => {
        opts.logger.warn({ err }, 'job listener cannot connect; retrying');
        if (!closed) schedule();
      });
    }, opts.reconnectDelayMs ?? 1000);
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      // Destroy rather than reuse: a pooled session must not keep listening for someone else.
      if (c) drop(c);
    },
  };
}

function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
