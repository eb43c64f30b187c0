// Test-only: host ports for what Docker publishes, checked on all interfaces (0.0.0.0) as Docker binds them.
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

/** Whether `port` can be bound on 0.0.0.0, exclusively, right now. */
export function hostPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A free host port picked at random from `from` to `to - 1`, none of `avoid` (fixed high ranges, as 80 and
 * 443 may be taken on a developer machine; test files that run at the same time take different ranges).
 */
export async function freeHostPort(from: number, to: number, avoid: number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomInt(from, to);
    if (!avoid.includes(port) && (await hostPortIsFree(port))) return port;
  }
  throw new Error(`no free port in ${from}-${to - 1}`);
}
