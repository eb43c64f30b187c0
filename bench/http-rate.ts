// A bounded keep-alive HTTP rate measurement (loopback only): `connections` clients send GETs back to
// back for `seconds`, each on its own kept-alive socket.
import { Agent, request } from 'node:http';

export async function measureRate(opts: { port: number; host?: string; connections: number; seconds: number }): Promise<{ requests: number; errors: number; perSecond: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  const until = performance.now() + opts.seconds * 1000;
  let requests = 0;
  let errors = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port: opts.port, path: '/', agent, headers: opts.host ? { host: opts.host } : {} }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) requests++;
          else errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (performance.now() < until) await one();
    }),
  );
  agent.destroy();
  return { requests, errors, perSecond: Math.round(requests / ((performance.now() - started) / 1000)) };
}
