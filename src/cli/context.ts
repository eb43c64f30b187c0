// What one CLI invocation has at hand: its streams and environment, the global options (--json,
// --org), the credentials, an API client, the organisation to act in, and the terminal (confirmation
// prompts, reading a secret from stdin).
import { createInterface } from 'node:readline';
import { ApiClient, type ServiceScope } from './api-client.ts';
import { resolveCredentials, type Credentials, type Env } from './credentials.ts';
import { CliError, EXIT } from './errors.ts';
import { Output, type Writer } from './output.ts';
import { CLI_VERSION } from './version.ts';

export interface CliIo {
  stdout: Writer;
  stderr: Writer;
  env: Env;
  /** Absent: nothing to read, and never interactive. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /**
   * Calls `handler` on the next Ctrl-C (SIGINT) instead of exiting; returns the unsubscribe. Only
   * once: a second Ctrl-C exits as usual. Absent: no interruptions (tests drive them through this).
   */
  onInterrupt?: (handler: () => void) => () => void;
}

/** Where a service lives. */
export interface ServiceOptions {
  project: string;
  env: string;
}

export interface GlobalOptions {
  json?: boolean;
  org?: string;
}

/** The organisation to act in when none was named: the only one the user belongs to. */
export function chooseOrg(orgs: readonly { name: string }[]): string {
  if (orgs.length === 1) return orgs[0]!.name;
  if (orgs.length === 0) throw new CliError('you belong to no organisation: ask an administrator to add you to one');
  throw new CliError(`you belong to several organisations (${orgs.map((o) => o.name).join(', ')}): choose one with --org <name> or BERTH_ORG`);
}

export class CliContext {
  readonly out: Output;
  exitCode: number = EXIT.ok;
  private creds: Credentials | undefined;

  constructor(
    readonly io: CliIo,
    readonly globals: GlobalOptions,
  ) {
    this.out = new Output(io.stdout, io.stderr, Boolean(globals.json));
  }

  credentials(): Credentials {
    this.creds ??= resolveCredentials(this.io.env);
    return this.creds;
  }

  /** A client for an explicit server and key (login), or for the stored/env credentials. */
  client(override?: { url: string; apiKey: string }): ApiClient {
    const { url, apiKey } = override ?? this.credentials();
    if (!url || !apiKey) {
      throw new CliError('not logged in: run `berth login --url <server> --api-key <key>`, or set BERTH_URL and BERTH_API_KEY', EXIT.unauthenticated);
    }
    return new ApiClient({ url, apiKey, userAgent: `berth-cli/${CLI_VERSION}`, timeoutMs: timeoutMs(this.io.env) });
  }

  /** --org, else BERTH_ORG, else the stored org, else the user's only organisation. */
  async org(): Promise<string> {
    const named = this.globals.org ?? this.credentials().org;
    if (named) return named;
    const me = await this.client().me();
    return chooseOrg(me.organizations);
  }

  /** The organisation, project and environment of a service command. */
  async scope(opts: ServiceOptions): Promise<ServiceScope> {
    return { org: await this.org(), project: opts.project, env: opts.env };
  }

  /**
   * A signal aborted by the next Ctrl-C, for commands that follow something the server keeps doing
   * (a deployment): they stop following and say so, rather than dying mid-line. `dispose` when done.
   */
  interruption(): { signal: AbortSignal; dispose: () => void } {
    const abort = new AbortController();
    const unsubscribe = this.io.onInterrupt?.(() => abort.abort()) ?? (() => undefined);
    return { signal: abort.signal, dispose: unsubscribe };
  }

  get interactive(): boolean {
    return this.io.stdin?.isTTY === true;
  }

  /** Destructive commands: --yes, or the user types the name; a non-interactive run never guesses. */
  async confirm(opts: { what: string; name: string; yes?: boolean }): Promise<void> {
    if (opts.yes) return;
    if (!this.interactive) {
      throw new CliError(`refusing to delete ${opts.what} "${opts.name}" without confirmation: pass --yes (this run is not interactive)`);
    }
    this.io.stderr.write(`Delete ${opts.what} "${opts.name}"? Type its name to confirm: `);
    // No readline terminal mode: the terminal's own line editing is enough, and io.stderr need not be a stream.
    const rl = createInterface({ input: this.io.stdin!, terminal: false });
    try {
      const line = await rl[Symbol.asyncIterator]().next();
      if (line.done || line.value.trim() !== opts.name) throw new CliError('aborted: the name did not match');
    } finally {
      rl.close();
    }
  }

  /**
   * A secret from stdin (for --api-key - and --password-stdin): all of a pipe without its final
   * newline, or one line typed at a terminal without echo.
   */
  async readStdin(what: string): Promise<string> {
    const stdin = this.io.stdin;
    if (!stdin) throw new CliError(`${what}: nothing to read on stdin`);
    const tty = stdin as NodeJS.ReadStream;
    if (tty.isTTY && typeof tty.setRawMode === 'function') return readHiddenLine(tty, this.io.stderr, `${what}: `);
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
}

/** Reads one line from a terminal in raw mode, echoing nothing; Ctrl-C aborts. */
function readHiddenLine(tty: NodeJS.ReadStream, stderr: Writer, prompt: string): Promise<string> {
  stderr.write(prompt);
  tty.setRawMode(true);
  tty.setEncoding('utf8');
  tty.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (result: () => void) => {
      tty.off('data', onData);
      tty.setRawMode(false);
      tty.pause();
      stderr.write('\n');
      result();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(() => resolve(value));
        if (ch === '\u0003') return finish(() => reject(new CliError('interrupted', EXIT.interrupted)));
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    tty.on('data', onData);
  });
}

function timeoutMs(env: Env): number | undefined {
  const seconds = Number(env.BERTH_TIMEOUT);
  return env.BERTH_TIMEOUT && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
