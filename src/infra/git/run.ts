// Runs one git command: argv array, given environment, its stderr streamed line by line, killed (with
// its whole process group: ssh, index-pack) when the signal aborts. Reports; does not judge the result.
// Must never use a shell, and never leave a child running after the signal has fired.
import { spawn } from 'node:child_process';

const STDOUT_LIMIT = 4 * 1024 * 1024;
const STDERR_TAIL_LINES = 40;
const KILL_GRACE_MS = 2_000;

export interface RunGitOptions {
  /** Arguments after `git`. */
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  /** Each stderr line (progress included; `\r`-updated lines arrive one by one). */
  onLine?: (line: string) => void;
}

export interface GitRun {
  argv: readonly string[];
  exitCode: number | null;
  stdout: string;
  stderrTail: string;
  /** True when the signal fired before git finished. */
  aborted: boolean;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Splits stderr into lines, keeping the last few for error messages. Progress counters rewrite one
 * line with `\r`; those updates are dropped (git ends each counter with a `\n` line saying "done").
 */
function lineSplitter(onLine: ((line: string) => void) | undefined) {
  const tail: string[] = [];
  let pending = '';
  const emit = (raw: string) => {
    const line = raw.trimEnd();
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    onLine?.(line);
  };
  return {
    write(chunk: string) {
      pending += chunk;
      let cut: number;
      while ((cut = pending.search(/[\r\n]/)) !== -1) {
        const piece = pending.slice(0, cut);
        const isProgress = pending[cut] === '\r' && pending[cut + 1] !== '\n';
        pending = pending.slice(cut + (pending.startsWith('\r\n', cut) ? 2 : 1));
        if (!isProgress) emit(piece);
      }
    },
    end(): string {
      emit(pending);
      pending = '';
      return tail.join('\n');
    },
  };
}

export function runGit(options: RunGitOptions): Promise<GitRun> {
  const argv = ['git', ...options.args];
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) {
      resolve({ argv, exitCode: null, stdout: '', stderrTail: '', aborted: true });
      return;
    }
    // detached: git gets its own process group, so cancel reaches ssh and index-pack too.
    const child = spawn('git', options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stderr = lineSplitter(options.onLine);
    let stdout = '';
    let hardKill: NodeJS.Timeout | undefined;
    const abort = () => {
      killGroup(child.pid, 'SIGTERM'); // git removes its lock files on SIGTERM
      hardKill = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    options.signal.addEventListener('abort', abort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < STDOUT_LIMIT) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.write(chunk));
    child.on('error', (err) => {
      options.signal.removeEventListener('abort', abort);
      reject(err);
    });
    child.on('close', (exitCode) => {
      options.signal.removeEventListener('abort', abort);
      if (hardKill) {
        clearTimeout(hardKill);
        killGroup(child.pid, 'SIGKILL'); // anything of the group still lingering
      }
      resolve({ argv, exitCode, stdout, stderrTail: stderr.end(), aborted: options.signal.aborted });
    });
  });
}
