// Turns a failed git run into a GitError a user can act on, from git's stderr (git runs with LC_ALL=C,
// so the phrases are stable). Pure. Must never guess a cause the output does not show: anything
// unrecognised is reported as `failed` with git's own last error line.
import { GitError, lastErrorLine, type GitFailureReason } from './errors.ts';
import type { GitRun } from './run.ts';
import type { Repository } from './validate.ts';

const PATTERNS: Array<[GitFailureReason, RegExp]> = [
  ['ref-not-found', /couldn't find remote ref|not our ref|no such remote ref|Remote branch \S+ not found/i],
  ['auth-failed', /Permission denied \(|Authentication failed|could not read (Username|Password)|terminal prompts disabled|Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|returned error: 40[13]|HTTP Basic: Access denied/i],
  ['repository-not-found', /Repository not found|does not appear to be a git repository|repository '[^']*' not found|returned error: 404|not a git repository/i],
  ['unreachable', /Could not resolve host|Could not resolve hostname|Connection refused|Connection timed out|timed out|Network is unreachable|No route to host|Connection reset|unable to access|SSL|Could not read from remote repository|early EOF|the remote end hung up/i],
];

export interface FailureContext {
  repository: Repository;
  /** The branch, tag or commit asked for. */
  ref: string;
  /** What git was doing, for messages: `fetch`, `checkout`, … */
  action: string;
  timedOut: boolean;
  timeoutMs: number;
}

export function failureReason(run: GitRun, timedOut: boolean): GitFailureReason {
  if (run.aborted) return timedOut ? 'timeout' : 'cancelled';
  return PATTERNS.find(([, pattern]) => pattern.test(run.stderrTail))?.[0] ?? 'failed';
}

/** The line that shows the cause (e.g. ssh's "Connection refused" rather than git's generic fatal line). */
function causeLine(reason: GitFailureReason, stderrTail: string): string {
  const pattern = PATTERNS.find(([candidate]) => candidate === reason)?.[1];
  const line = pattern && stderrTail.split('\n').find((candidate) => pattern.test(candidate) && !/Could not read from remote/.test(candidate));
  return line ? line.trim().replace(/^(fatal|error): /, '') : lastErrorLine(stderrTail);
}

function describe(reason: GitFailureReason, run: GitRun, context: FailureContext): string {
  const where = context.repository.display;
  const detail = causeLine(reason, run.stderrTail);
  switch (reason) {
    case 'ref-not-found':
      return /^[0-9a-f]{40}$/.test(context.ref)
        ? `commit ${context.ref} not found in ${where}`
        : `branch or tag '${context.ref}' not found in ${where}`;
    case 'repository-not-found':
      return `repository ${where} not found (or not readable with the credentials given)`;
    case 'auth-failed':
      return `authentication to ${where} failed: ${detail}`;
    case 'unreachable':
      return `cannot reach ${where}: ${detail}`;
    case 'timeout':
      return `git ${context.action} of ${where} timed out after ${Math.round(context.timeoutMs / 1000)} s`;
    case 'cancelled':
      return `git ${context.action} of ${where} was cancelled`;
    case 'failed':
      return `git ${context.action} failed (exit ${run.exitCode ?? 'by signal'}): ${detail || 'no error output'}`;
  }
}

export function classifyFailure(run: GitRun, context: FailureContext): GitError {
  const reason = failureReason(run, context.timedOut);
  return new GitError(reason, describe(reason, run, context), {
    argv: run.argv,
    exitCode: run.exitCode,
    stderrTail: run.stderrTail,
  });
}
