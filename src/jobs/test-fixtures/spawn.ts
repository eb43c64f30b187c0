// Starts worker-process.ts as a child process (argv array, no shell) and waits until it is claiming.
// Test-only.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export interface WorkerProcess {
  id: string;
  child: ChildProcess;
  /** Everything the child wrote to stderr (its log), for failure messages. */
  stderr(): string;
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  url: string;
  id: string;
  concurrency?: number;
  leaseSeconds?: number;
  graceMs?: number;
}

export async function spawnWorker(opts: SpawnOptions): Promise<WorkerProcess> {
  const argv = ['--import', 'tsx', SCRIPT, '--url', opts.url, '--id', opts.id];
  if (opts.concurrency) argv.push('--concurrency', String(opts.concurrency));
  if (opts.leaseSeconds) argv.push('--lease', String(opts.leaseSeconds));
  if (opts.graceMs !== undefined) argv.push('--grace', String(opts.graceMs));
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${opts.id} not ready after 30s:\n${err}`)), 30_000);
    const onData = () => {
      if (out.includes(`ready ${opts.id}`)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker ${opts.id} exited (${code ?? signal}) before it was ready:\n${err}`));
    });
  });
  return { id: opts.id, child, stderr: () => err, stdout: () => out, exited };
}
