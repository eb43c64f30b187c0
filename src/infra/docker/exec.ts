// Running a command inside a container through the Engine API's exec: argv only (never a shell string),
// secrets in the exec's environment. Output streams are demultiplexed as they arrive: a dump's stdout is
// a Readable the caller pipes onward (backpressure reaches the engine's socket), nothing is held whole.
// Must never put a secret in argv or in an error message (errors carry argv and a stderr tail only).
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { ExecError } from '../../core/errors.ts';
import { toDockerError } from './errors.ts';
import { demultiplex } from './streams.ts';

export interface ExecOptions {
  argv: readonly string[];
  env?: Record<string, string>;
  /** Run as this user inside the container (default: the image's user). */
  user?: string;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  /** stdout (capped: the last `maxOutputBytes`). */
  stdout: string;
  /** stderr (capped likewise). */
  stderr: string;
}

export interface ExecStream {
  /** The command's stdout, as it is produced. */
  stdout: Readable;
  /** Resolves once the command exited (after stdout ended): exit code and stderr tail. */
  done: Promise<{ exitCode: number; stderr: string }>;
}

const TAIL_BYTES = 64 * 1024;

/** Keeps the last `limit` bytes written to it. */
class Tail {
  #chunks: Buffer[] = [];
  #size = 0;
  constructor(private readonly limit = TAIL_BYTES) {}
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= this.limit && this.#chunks.length > 1) this.#size -= this.#chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

const envList = (env: Record<string, string> = {}) => Object.entries(env).map(([k, v]) => `${k}=${v}`);

async function createExec(container: Dockerode.Container, o: ExecOptions, stdin: boolean): Promise<Dockerode.Exec> {
  try {
    return await container.exec({
      Cmd: [...o.argv],
      Env: envList(o.env),
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: stdin,
      Tty: false,
      ...(o.user ? { User: o.user } : {}),
    });
  } catch (err) {
    throw toDockerError('exec.create', err);
  }
}

/** The exit code once the engine reports the exec finished (its stream can end a moment before). */
async function exitCodeOf(exec: Dockerode.Exec): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const info = await exec.inspect().catch((err: unknown) => {
      throw toDockerError('exec.inspect', err);
    });
    if (!info.Running) return info.ExitCode ?? -1;
    if (attempt > 200) return -1;
    await delay(25);
  }
}

/** Splits the engine's multiplexed stream: stdout chunks are yielded, stderr goes to `stderr`. */
async function* stdoutFrames(body: NodeJS.ReadableStream, stderr: Tail, stdoutTail?: Tail): AsyncGenerator<Buffer> {
  for await (const frame of demultiplex(body as AsyncIterable<Buffer>)) {
    if (frame.stream === 'stdout') {
      stdoutTail?.push(Buffer.from(frame.payload));
      yield frame.payload;
    } else if (frame.stream === 'stderr') stderr.push(Buffer.from(frame.payload));
  }
}

function abortOn(signal: AbortSignal | undefined, destroy: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) destroy();
  signal.addEventListener('abort', destroy, { once: true });
  return () => signal.removeEventListener('abort', destroy);
}

/** Starts `argv` and returns its stdout as a stream (a dump). Check `done` for the exit code. */
export async function execStream(container: Dockerode.Container, o: ExecOptions): Promise<ExecStream> {
  const exec = await createExec(container, o, false);
  let body: Duplex;
  try {
    body = (await exec.start({ hijack: true, stdin: false })) as Duplex;
  } catch (err) {
    throw toDockerError('exec.start', err);
  }
  const stderr = new Tail();
  const release = abortOn(o.signal, () => body.destroy(new Error('cancelled')));
  const stdout = Readable.from(stdoutFrames(body, stderr), { objectMode: false, highWaterMark: 256 * 1024 });
  const done = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    stdout.once('end', () => {
      release();
      exitCodeOf(exec).then((exitCode) => resolve({ exitCode, stderr: stderr.text() }), reject);
    });
    stdout.once('error', (err) => {
      release();
      reject(err);
    });
  });
  // Whoever awaits `done` sees the error; an unawaited rejection must not crash the process.
  done.catch(() => undefined);
  return { stdout, done };
}

/**
 * Runs `argv` with `stdin` piped to it (a restore), collecting output tails. Resolves with the exit
 * code; rejects only when the engine or the input stream fails.
 */
export async function execWithInput(container: Dockerode.Container, o: ExecOptions & { stdin: Readable }): Promise<ExecResult> {
  const exec = await createExec(container, o, true);
  let socket: Duplex;
  try {
    socket = (await exec.start({ hijack: true, stdin: true })) as Duplex;
  } catch (err) {
    throw toDockerError('exec.start', err);
  }
  const stderr = new Tail();
  const stdoutTail = new Tail();
  const release = abortOn(o.signal, () => socket.destroy(new Error('cancelled')));
  const drainOutput = (async () => {
    for await (const _ of stdoutFrames(socket, stderr, stdoutTail)) void _;
  })();
  try {
    // Ending the socket half-closes it: the engine closes the command's stdin, output keeps coming.
    await Promise.all([pipeline(o.stdin, socket, { end: true }), drainOutput]);
  } catch (err) {
    socket.destroy();
    await drainOutput.catch(() => undefined);
    release();
    // The command may have exited early (bad input): its stderr says why, better than EPIPE.
    const exitCode = await exitCodeOf(exec).catch(() => -1);
    if (exitCode > 0) return { exitCode, stdout: stdoutTail.text(), stderr: stderr.text() };
    throw err;
  }
  release();
  return { exitCode: await exitCodeOf(exec), stdout: stdoutTail.text(), stderr: stderr.text() };
}

/** Runs `argv` to completion and returns its (capped) output. */
export async function execCollect(container: Dockerode.Container, o: ExecOptions & { maxOutputBytes?: number }): Promise<ExecResult> {
  const out = new Tail(o.maxOutputBytes ?? 4 * 1024 * 1024);
  const { stdout, done } = await execStream(container, o);
  for await (const chunk of stdout) out.push(chunk as Buffer);
  const { exitCode, stderr } = await done;
  return { exitCode, stdout: out.text(), stderr };
}

/** Throws ExecError (argv, exit code, stderr tail) unless the command succeeded. */
export function assertExecSucceeded(argv: readonly string[], result: { exitCode: number; stderr: string }): void {
  if (result.exitCode !== 0) throw new ExecError(argv, result.exitCode, result.stderr);
}
