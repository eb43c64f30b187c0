// All CLI output goes through here: results (a table or lines for people, JSON with --json) on stdout,
// errors on stderr. Text that came from the server is cleaned of control characters before it reaches
// a terminal, so a crafted name or description cannot move the cursor or rewrite the screen.
import { ApiError, CliError, EXIT, UnreachableError } from './errors.ts';

export interface Writer {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

type Cell = string | number | boolean | null | undefined;

// C0 controls (ESC, CR, newline…), DEL, and C1 controls (a lone CSI works on some terminals).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g; // eslint-disable-line no-control-regex

export function clean(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(CONTROL, '?');
}

// Escape sequences as build tools print them: CSI (colours, cursor moves) and OSC (titles, links).
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g; // eslint-disable-line no-control-regex
// Controls other than tab.
const LOG_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g; // eslint-disable-line no-control-regex

/** A log line for a terminal: line ends and escape sequences (colours too) dropped, other controls but tab shown as ?. */
export function logText(line: string): string {
  return line.replace(/[\r\n]+$/, '').replace(ANSI, '').replace(LOG_CONTROL, '?');
}

/** The first 8 characters of an id: enough to tell deployments apart (commands accept a prefix). */
export const shortId = (id: string): string => id.slice(0, 8);

/** Left-aligned columns separated by two spaces; headers in capitals. */
export function table(headers: string[], rows: Cell[][]): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => r.map(clean))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** `2025-01-31T12:34:56.789Z` → `2025-01-31 12:34` (UTC): enough to tell things apart in a table. */
export function shortDate(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : '-';
}

export class Output {
  constructor(
    private readonly stdout: Writer,
    private readonly stderr: Writer,
    readonly json: boolean,
  ) {}

  /** Prints a command's result: `data` as JSON with --json, else what `human` renders. */
  result<T>(data: T, human: (data: T) => string | string[]): void {
    if (this.json) {
      this.stdout.write(JSON.stringify(data, null, 2) + '\n');
      return;
    }
    const text = human(data);
    const lines = Array.isArray(text) ? text : [text];
    if (lines.length) this.stdout.write(lines.join('\n') + '\n');
  }

  /** A remark for people (prompts, warnings); stderr, so stdout stays the result. */
  note(message: string): void {
    this.stderr.write(message + '\n');
  }
}

export interface RenderedError {
  text: string;
  exitCode: number;
}

/** Turns any failure into what is printed on stderr and the exit code. Stacks only with BERTH_DEBUG. */
export function renderError(err: unknown, opts: { json: boolean; debug?: boolean }): RenderedError {
  if (err instanceof ApiError) {
    if (opts.json) {
      const body = { error: err.code, status: err.status, message: err.message, ...(err.issues.length ? { issues: err.issues } : {}) };
      return { text: JSON.stringify(body) + '\n', exitCode: err.exitCode };
    }
    const lines =
      err.issues.length > 1
        ? [`error: invalid input (${err.status}):`, ...err.issues.map((i) => `  ${clean(i.path || '(request)')}: ${clean(i.message)}`)]
        : [`error: ${clean(err.message)}`];
    if (err.status === 401) lines.push('hint: the API key is invalid or revoked: run `berth login` again');
    return { text: lines.join('\n') + '\n', exitCode: err.exitCode };
  }
  if (err instanceof UnreachableError || err instanceof CliError) {
    const code = err instanceof UnreachableError ? 'unreachable' : err.code;
    return { text: (opts.json ? JSON.stringify({ error: code, message: err.message }) : `error: ${err.message}`) + '\n', exitCode: err.exitCode };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const detail = opts.debug && e.stack ? `\n${e.stack}` : '\n(set BERTH_DEBUG=1 to see where)';
  return { text: `error: unexpected: ${e.message}${detail}\n`, exitCode: EXIT.failed };
}
