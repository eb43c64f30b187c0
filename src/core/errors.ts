// Domain errors. Use-cases throw these; one error handler (api/errors.ts) maps them to HTTP.
// Never build HTTP responses in domain code.

export interface FieldIssue {
  /** Path of the offending field, e.g. `body/name` or `spec/replicas`. */
  path: string;
  message: string;
}

export abstract class BerthError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFound extends BerthError {
  readonly status = 404;
  readonly code = 'not_found';
}

export class Unauthorized extends BerthError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class Forbidden extends BerthError {
  readonly status = 403;
  readonly code = 'forbidden';
}

export class Conflict extends BerthError {
  readonly status = 409;
  readonly code = 'conflict';
}

export class TooManyRequests extends BerthError {
  readonly status = 429;
  readonly code = 'rate_limited';
}

/** Bad input. `issues` name every offending field. */
export class Invalid extends BerthError {
  readonly status = 400;
  readonly code = 'invalid';
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[] | string, options?: { cause?: unknown }) {
    const list = typeof issues === 'string' ? [{ path: '', message: issues }] : issues;
    super(list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), options);
    this.issues = list;
  }
}

/** A child process (git, a dump tool) that failed. Carries argv, never a shell string. */
export class ExecError extends BerthError {
  readonly status = 500;
  readonly code = 'exec_failed';
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderrTail: string,
    options?: { cause?: unknown },
  ) {
    super(`${argv[0]} exited with ${exitCode ?? 'a signal'}: ${stderrTail.trim().slice(-500)}`, options);
  }
}

/** An outside system (Docker, the proxy) is not reachable or refused. */
export class Unavailable extends BerthError {
  readonly status = 503;
  readonly code = 'unavailable';
}
