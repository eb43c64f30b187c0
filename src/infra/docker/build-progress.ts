// Reads the engine's build output (newline-delimited JSON: `stream`, `status`, `aux`, `error` /
// `errorDetail`) into log lines, the built image's ID and the failure, if any. Pure: fed message by
// message. Must never drop an error message, and never hand on terminal escape codes.
import { BuildFailed } from './build-errors.ts';

export interface BuildMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  aux?: { ID?: string } | string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

const LAST_LINES = 30;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const RUNNING_IN = /^ ---> Running in ([0-9a-f]{12,64})$/;

export class BuildProgress {
  private pending = '';
  private readonly recent: string[] = [];
  private failure: BuildFailed | undefined;
  /** The image ID the engine reported (`aux.ID` or "Built image: sha256:…"). */
  imageId: string | undefined;
  /** The classic builder's current step container ("Running in …"), to make sure it is gone after a cancel. */
  stepContainer: string | undefined;

  constructor(private readonly onLine: (line: string) => void = () => {}) {}

  /** One decoded JSON message from the engine. */
  push(message: BuildMessage): void {
    if (typeof message.stream === 'string') this.text(message.stream);
    if (typeof message.status === 'string') this.line([message.id, message.status, message.progress].filter(Boolean).join(' '));
    if (typeof message.aux === 'object' && message.aux?.ID) this.imageId = message.aux.ID;
    if (message.error !== undefined || message.errorDetail !== undefined) this.fail(message);
  }

  /** A line produced outside the engine's stream (e.g. a decoded BuildKit log). */
  text(chunk: string): void {
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) !== -1) {
      this.line(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
    }
  }

  /** Call when the stream ended: flushes a last partial line; throws BuildFailed if the build failed. */
  finish(): { imageId: string | undefined } {
    if (this.pending) this.line(this.pending);
    this.pending = '';
    if (this.failure) throw this.failure;
    return { imageId: this.imageId };
  }

  get lastLines(): readonly string[] {
    return this.recent;
  }

  private line(raw: string): void {
    const line = raw.replace(ANSI, '').replace(/\r$/, '');
    if (!line.trim()) return;
    const running = RUNNING_IN.exec(line);
    if (running) this.stepContainer = running[1];
    const built = /^(?:Built image: |Successfully built )(sha256:[0-9a-f]{64}|[0-9a-f]{12})$/.exec(line);
    if (built?.[1]?.startsWith('sha256:')) this.imageId ??= built[1];
    this.recent.push(line);
    if (this.recent.length > LAST_LINES) this.recent.shift();
    this.onLine(line);
  }

  private fail(message: BuildMessage): void {
    const text = (message.errorDetail?.message ?? message.error ?? 'unknown build error').replace(ANSI, '').trim();
    this.line(`ERROR: ${text}`);
    this.failure ??= new BuildFailed(text, [...this.recent], message.errorDetail?.code);
  }
}
