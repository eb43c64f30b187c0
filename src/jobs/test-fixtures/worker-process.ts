// A worker in its own process, for the queue's multi-process tests: runs a Worker with the fixture job
// types against --url until SIGTERM (graceful stop) or SIGKILL. Prints "ready <id>" once claiming.
// Test-only.
import { parseArgs } from 'node:util';
import { connectDatabase } from '../../db/client.ts';
import { MemoryBus } from '../../infra/bus/memory.ts';
import { JobRegistry } from '../registry.ts';
import type { QueueLogger } from '../types.ts';
import { Worker } from '../worker.ts';
import { fixtureJobs } from './jobs.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    id: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    lease: { type: 'string', default: '30' },
    grace: { type: 'string', default: '2000' },
  },
});
if (!values.url || !values.id) throw new Error('usage: worker-process.ts --url <postgres url> --id <worker id> [--concurrency n] [--lease s]');

const line = (level: string) => (obj: object, msg: string) =>
  process.stderr.write(JSON.stringify({ level, worker: values.id, msg, ...obj, err: String((obj as { err?: unknown }).err ?? '') }) + '\n');
const logger: QueueLogger = { info: line('info'), warn: line('warn'), error: line('error') };

const database = connectDatabase(values.url, { max: 4 });
const worker = new Worker({
  pool: database.pool,
  bus: new MemoryBus(),
  registry: new JobRegistry(fixtureJobs({ pool: database.pool, workerId: values.id })),
  id: values.id,
  concurrency: Number(values.concurrency),
  leaseSeconds: Number(values.lease),
  pollIntervalMs: 250,
  logger,
});
await worker.start();
process.stdout.write(`ready ${worker.id}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    const report = await worker.stop({ graceMs: Number(values.grace), abortWaitMs: 2000 });
    process.stdout.write(`stopped ${JSON.stringify(report)}\n`);
    await database.close();
    process.exit(0);
  })();
});
