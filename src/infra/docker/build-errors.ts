// Errors of image builds. BuildFailed is the user's Dockerfile failing (a step exited non-zero, a file
// was missing): it carries the engine's error and the last lines of output, ready for the deploy log.
// BuildCancelled is the caller's signal. Engine trouble (no socket, 500s) stays a DockerError.
import { BerthError } from '../../core/errors.ts';

export class BuildFailed extends BerthError {
  readonly status = 422;
  readonly code = 'build_failed';
  constructor(
    /** The engine's error line, e.g. "The command '/bin/sh -c make' returned a non-zero code: 2". */
    readonly engineError: string,
    /** The last lines of build output before the failure. */
    readonly lastLines: readonly string[],
    /** A failed RUN step's exit code, when the engine reported one. */
    readonly exitCode?: number,
    options?: { cause?: unknown },
  ) {
    super(`image build failed: ${engineError}`, options);
  }
}

export class BuildCancelled extends BerthError {
  readonly status = 409;
  readonly code = 'build_cancelled';
}
