// Server-sent events for the routes that stream (deployment and job logs, database output, live events):
// one writer over a hijacked reply, with a keep-alive comment so proxies do not close an idle stream.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  send(event: string, data: unknown, id?: number): void;
  end(): void;
  /** Resolves when the client goes away. */
  closed: Promise<void>;
}

/** Server-sent events on a hijacked reply; returns a writer and a promise that resolves on close. */
export function openEventStream(req: FastifyRequest, reply: FastifyReply): EventStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.write(': berth\n\n');
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
  const closed = new Promise<void>((resolve) => req.raw.once('close', () => resolve()));
  void closed.then(() => clearInterval(keepAlive));
  return {
    send(event, data, id) {
      if (raw.writableEnded) return;
      raw.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      clearInterval(keepAlive);
      if (!raw.writableEnded) raw.end();
    },
    closed,
  };
}
