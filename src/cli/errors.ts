// The CLI's failures and the exit codes they map to. Every expected failure is one of these classes;
// program.ts prints its message (never a stack trace) and exits with its code.

export const EXIT = {
  ok: 0,
  /** The server refused the request (4xx/5xx), or the command line was wrong. */
  failed: 1,
  /** `berth server`: the configuration is invalid (set by server-command.ts). */
  config: 2,
  /** The server could not be reached (connection refused, DNS, TLS, timeout). */
  unreachable: 3,
  /** No credentials, or the server rejected them (401). */
  unauthenticated: 4,
  /** Ctrl-C at a prompt, or while following a deployment (which keeps going). */
  interrupted: 130,
} as const;

/** A usage error or a refusal decided on this side of the wire. */
export class CliError extends Error {
  /** The `error` of the JSON rendering: "usage" unless said otherwise (e.g. "deployment_failed"). */
  readonly code: string;
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, options);
    this.name = 'CliError';
    this.code = options?.code ?? 'usage';
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

/** The server answered with an error body `{ error, message, issues? }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get exitCode(): number {
    return this.status === 401 ? EXIT.unauthenticated : EXIT.failed;
  }
}

/** The request never got an HTTP answer. */
export class UnreachableError extends Error {
  readonly exitCode = EXIT.unreachable;
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach ${url}: ${reason}`, options);
    this.name = 'UnreachableError';
  }
}
