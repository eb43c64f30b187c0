// berth logs: a service's runtime output (its live release), or with --deployment a deployment's build
// and release log. Lines go out as they arrive; with --json, one JSON object per line (NDJSON).
import type { Command } from 'commander';
import type { Act } from '../action.ts';
import type { DeploymentLogLine, RuntimeLogLine } from '../api-client.ts';
import type { CliContext, ServiceOptions } from '../context.ts';
import { resolveDeployment } from '../deployment-ref.ts';
import { ApiError, CliError, EXIT } from '../errors.ts';
import { followDeployment } from '../follow.ts';
import { clean, logText, shortId } from '../output.ts';
import { integer } from '../service-input.ts';
import { scopeFlags, serviceScopeOptions } from '../service-flags.ts';
import { eventJson } from '../sse.ts';
import { parseSince } from '../time.ts';

interface LogsOptions extends ServiceOptions {
  follow?: boolean;
  tail?: number;
  since?: number;
  deployment?: string;
  timestamps?: boolean;
}

function ndjson(ctx: CliContext, record: Record<string, unknown>): void {
  ctx.io.stdout.write(JSON.stringify(record) + '\n');
}

function stamp(at: string | null | undefined, on: boolean | undefined): string {
  return on ? `${clean(at)} ` : '';
}

async function deploymentLog(ctx: CliContext, service: string, raw: string, opts: LogsOptions): Promise<void> {
  if (opts.tail !== undefined || opts.since !== undefined) throw new CliError('--tail and --since are for runtime logs: a deployment log is printed whole');
  const scope = await ctx.scope(opts);
  const client = ctx.client();
  const id = await resolveDeployment(client, scope, service, raw);
  const print = (l: DeploymentLogLine) => (ctx.out.json ? ndjson(ctx, { event: 'line', ...l }) : ctx.io.stdout.write(`${stamp(l.at, opts.timestamps)}${logText(l.line)}\n`));

  if (!opts.follow) {
    const log = await client.deploymentLog(scope, service, id);
    log.lines.forEach(print);
    const done = log.status !== 'queued' && log.status !== 'running';
    if (ctx.out.json) {
      if (done) ndjson(ctx, { event: 'end', status: log.status });
    } else if (!done) {
      ctx.out.note(`(deployment ${shortId(id)} is ${log.status}: add -f to follow it)`);
    }
    return;
  }

  const { signal, dispose } = ctx.interruption();
  try {
    const end = await followDeployment({
      client,
      scope,
      service,
      id,
      signal,
      onLine: print,
      onReconnect: (why, attempt) => {
        if (!ctx.out.json) ctx.out.note(`(log stream interrupted: ${why}; reconnecting, attempt ${attempt})`);
      },
    });
    if (!end) {
      ctx.exitCode = EXIT.interrupted;
    } else if (ctx.out.json) {
      ndjson(ctx, { event: 'end', ...end });
    } else {
      ctx.out.note(`(deployment ${shortId(id)} ${end.status}${end.reason ? `: ${clean(end.reason)}` : ''})`);
    }
  } finally {
    dispose();
  }
}

async function runtimeLog(ctx: CliContext, service: string, opts: LogsOptions): Promise<void> {
  const scope = await ctx.scope(opts);
  const { signal, dispose } = ctx.interruption();
  try {
    const events = ctx.client().runtimeLogEvents(scope, service, { follow: opts.follow, tail: opts.tail, since: opts.since, signal });
    for await (const e of events) {
      if (e.event === 'line') {
        const l = eventJson<RuntimeLogLine>(e);
        if (ctx.out.json) ndjson(ctx, { event: 'line', ...l });
        else (l.stream === 'stderr' ? ctx.io.stderr : ctx.io.stdout).write(`${stamp(l.at, opts.timestamps)}${logText(l.line)}\n`);
      } else if (e.event === 'error') {
        const { message } = eventJson<{ message?: string }>(e);
        throw new CliError(`the log stream failed: ${clean(message ?? 'unknown error')}`, EXIT.failed, { code: 'log_stream_failed' });
      } else if (e.event === 'end') {
        break;
      }
    }
    if (signal.aborted) ctx.exitCode = EXIT.interrupted;
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      const flags = scopeFlags(scope, { orgGiven: Boolean(ctx.globals.org) });
      throw new ApiError(409, err.code, `${err.message}: nothing runs to show the output of (a deployment's own log: berth logs ${service} --deployment <id> ${flags})`);
    }
    throw err;
  } finally {
    dispose();
  }
}

async function logs(ctx: CliContext, [service]: string[], opts: LogsOptions): Promise<void> {
  if (opts.deployment) return deploymentLog(ctx, service!, opts.deployment, opts);
  return runtimeLog(ctx, service!, opts);
}

/** Commander passes the previous value second: parseSince must not take it for "now". */
const since = (raw: string): number => parseSince(raw);

export function registerLogCommands(program: Command, act: Act): void {
  serviceScopeOptions(
    program
      .command('logs')
      .description("Show a service's output (its live release), or with --deployment a deployment's log")
      .argument('<service>', 'service name'),
  )
    .option('-f, --follow', 'keep printing new lines until Ctrl-C (a deployment log: until it ends)')
    .option('--tail <n>', 'runtime logs: how many of the most recent lines (default 200)', integer(0, 10_000))
    .option('--since <when>', 'runtime logs: lines since a duration ago (10m, 1h30m, 2d) or an ISO time (local unless it has an offset)', since)
    .option('--deployment <id>', 'the log of this deployment (its id or the first characters of it) instead')
    .option('-t, --timestamps', 'start each line with its time')
    .addHelpText(
      'after',
      '\nRuntime lines a task wrote to stderr go to stderr. With --json: one JSON object per line (NDJSON),\n' +
        '{"event":"line",…}, and for a deployment that ended a last {"event":"end","status":…}.\n' +
        'A followed deployment log resumes where it was after a lost connection; runtime logs do not.\n\n' +
        'Examples:\n  berth logs web --project shop -f --since 10m\n  berth logs web --project shop --deployment 907c122c -f',
    )
    .action(act<LogsOptions>(logs));
}
