// Test support: a bounded HTTP load generator over keep-alive connections, for switch tests. Fast
// workers send GET / back to back (with a pause), slow workers keep `?delay=MS` requests in flight.
// Every request is sent once (no retries) and counted: 200, other status, or error code.
// Must never send traffic anywhere but the loopback address it is given, nor run unbounded (duration
// and request caps).
import { Agent, request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export interface LoadOptions {
  /** Loopback port of the proxy. */
  port: number;
  /** Host header. */
  host: string;
  fastWorkers: number;
  /** Pause between a fast worker's requests. */
  fastPauseMs: number;
  slowWorkers: number;
  slowDelayMs: number;
  /** Hard caps. */
  maxDurationMs: number;
  maxRequests: number;
}

export interface Sample {
  startedAt: number;
  endedAt: number;
  slow: boolean;
  status?: number;
  version?: string;
  error?: string;
}

export interface LoadReport {
  requests: number;
  ok: number;
  non200: number;
  errors: Record<string, number>;
  durationMs: number;
  requestsPerSecond: number;
  samples: Sample[];
}

export interface RunningLoad {
  /** Stops sending new requests; resolves when every request in flight has ended. */
  stop(): Promise<LoadReport>;
}

function get(agent: Agent, options: LoadOptions, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: options.port, path, agent, headers: { host: options.host }, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', reject);
    req.end();
  });
}

function versionOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

export function startLoad(options: LoadOptions): RunningLoad {
  const agent = new Agent({ keepAlive: true, maxSockets: options.fastWorkers + options.slowWorkers });
  const samples: Sample[] = [];
  const started = performance.now();
  let stopping = false;
  const keepGoing = () => !stopping && samples.length < options.maxRequests && performance.now() - started < options.maxDurationMs;

  async function one(slow: boolean): Promise<void> {
    const sample: Sample = { startedAt: performance.now(), endedAt: 0, slow };
    samples.push(sample);
    try {
      const { status, body } = await get(agent, options, slow ? `/?delay=${options.slowDelayMs}` : '/');
      sample.status = status;
      sample.version = versionOf(body);
    } catch (err) {
      sample.error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
    sample.endedAt = performance.now();
  }

  /** Slow workers start staggered, so some slow request is always part-way through. */
  async function worker(slow: boolean, index: number): Promise<void> {
    if (slow) await delay(Math.round((options.slowDelayMs / options.slowWorkers) * index));
    while (keepGoing()) {
      await one(slow);
      if (!slow) await delay(options.fastPauseMs);
    }
  }

  const workers = [
    ...Array.from({ length: options.fastWorkers }, (_, index) => worker(false, index)),
    ...Array.from({ length: options.slowWorkers }, (_, index) => worker(true, index)),
  ];

  return {
    async stop() {
      stopping = true;
      await Promise.all(workers);
      agent.destroy();
      const durationMs = Math.round(performance.now() - started);
      const errors: Record<string, number> = {};
      for (const sample of samples) if (sample.error) errors[sample.error] = (errors[sample.error] ?? 0) + 1;
      const ok = samples.filter((s) => s.status === 200).length;
      return {
        requests: samples.length,
        ok,
        non200: samples.filter((s) => s.status !== undefined && s.status !== 200).length,
        errors,
        durationMs,
        requestsPerSecond: Math.round((samples.length / durationMs) * 1000),
        samples,
      };
    },
  };
}
