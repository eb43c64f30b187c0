// Errors of the git gateway: every failed fetch leaves as a GitError whose `reason` says what the user
// can do about it (fix the ref, the URL, the deploy key) and whose message reads without a stack.
// Must never carry a secret: argv and stderr never contain the deploy key (it travels in a 0600 file).
import { BerthError } from '../../core/errors.ts';

export type GitFailureReason =
  | 'ref-not-found'
  | 'repository-not-found'
  | 'auth-failed'
  | 'unreachable'
  | 'timeout'
  | 'cancelled'
  | 'failed';

const STATUS: Record<GitFailureReason, number> = {
  'ref-not-found': 422,
  'repository-not-found': 422,
  'auth-failed': 422,
  unreachable: 502,
  timeout: 504,
  cancelled: 409,
  failed: 500,
};

export interface GitFailureDetails {
  /** The git command that failed (argv, never a shell string). */
  argv: readonly string[];
  /** Exit code, or null when git was killed (cancel, timeout). */
  exitCode: number | null;
  /** Last lines git wrote on stderr. */
  stderrTail: string;
}

export class GitError extends BerthError {
  readonly status: number;
  readonly code: string;
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stderrTail: string;

  constructor(
    readonly reason: GitFailureReason,
    message: string,
    details: GitFailureDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = STATUS[reason];
    this.code = `git_${reason.replaceAll('-', '_')}`;
    this.argv = details.argv;
    this.exitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
  }
}

/** The last meaningful line of git's stderr (progress lines dropped), for messages. */
export function lastErrorLine(stderrTail: string): string {
  const lines = stderrTail.split('\n').map((line) => line.trim()).filter(Boolean);
  const errors = lines.filter((line) => /^(fatal|error|ERROR|remote: ?error)[: ]/.test(line));
  return (errors.at(-1) ?? lines.at(-1) ?? '').replace(/^fatal: /, '');
}
