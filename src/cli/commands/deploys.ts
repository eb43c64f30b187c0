// berth deploy / rollback / cancel / deployments / status: releases of one service.
// deploy and rollback start a deployment and, with --wait (the default at a terminal), follow its log to
// the end and exit 1 unless it succeeded; Ctrl-C stops following, never the deployment.
import { Option, type Command } from 'commander';
import type { Act } from '../action.ts';
import type { ApiClient, Deployment, ServiceScope, ServiceStatus } from '../api-client.ts';
import type { CliContext, ServiceOptions } from '../context.ts';
import { resolveDeployment } from '../deployment-ref.ts';
import { ApiError, CliError, EXIT } from '../errors.ts';
import { followDeployment } from '../follow.ts';
import { clean, logText, shortId, table } from '../output.ts';
import { integer } from '../service-input.ts';
import { serviceScopeOptions, suggestions } from '../service-flags.ts';
import { ago, runTime } from '../time.ts';

interface StartOptions extends ServiceOptions {
  wait?: boolean;
}

type Kind = 'deploy' | 'rollback';
const noun = (kind: Kind) => (kind === 'rollback' ? 'Rollback' : 'Deployment');

/** "queued (position 2 in the queue)", "running", "failed: <reason>". */
function stateOf(d: Deployment): string {
  if (d.status === 'queued') return d.position ? `queued (position ${d.position} in the queue)` : 'queued';
  return d.reason && d.status !== 'succeeded' ? `${d.status}: ${clean(d.reason)}` : d.status;
}

/** `abc1234 "Fix the header"` for a built commit, else the image, else nothing. */
function source(d: Deployment, width = 50): string {
  if (d.commitSha) {
    const message = d.commitMessage?.split('\n', 1)[0]?.trim();
    const short = message && message.length > width ? `${message.slice(0, width - 1).trimEnd()}…` : message;
    return `${clean(d.commitSha.slice(0, 7))}${short ? ` "${clean(short)}"` : ''}`;
  }
  return d.image ? `image ${clean(d.image.slice(0, 19))}` : '';
}

/**
 * Starts a deployment (or rollback) and reports it: without waiting, its id and queue position; with
 * --wait, its log as it runs, then the outcome, exiting 1 when it failed or was cancelled.
 */
async function start(ctx: CliContext, service: string, opts: StartOptions, kind: Kind, begin: (client: ApiClient, scope: ServiceScope) => Promise<Deployment>): Promise<void> {
  const scope = await ctx.scope(opts);
  const client = ctx.client();
  const created = await begin(client, scope);
  // Only GET …/deployments/:id knows the queue position.
  const d = created.status === 'queued' ? await client.getDeployment(scope, service, created.id) : created;
  const hint = suggestions(service, scope, { orgGiven: Boolean(ctx.globals.org) });
  const wait = opts.wait ?? (ctx.io.stdout.isTTY === true && !ctx.out.json);

  if (!wait) {
    ctx.out.result(d, (x) => [`${noun(kind)} ${x.id} of ${service}: ${stateOf(x)}.`, `Follow its log: ${hint.followLog(x.id)}`]);
    return;
  }

  if (!ctx.out.json) {
    const active = d.status === 'queued' || d.status === 'running';
    ctx.out.note(`${noun(kind)} ${shortId(d.id)} of ${service}: ${active ? `${stateOf(d)}. Following its log; Ctrl-C stops following, not the deployment.` : 'already finished. Its log:'}`);
  }
  const { signal, dispose } = ctx.interruption();
  let end;
  try {
    end = await followDeployment({
      client,
      scope,
      service,
      id: d.id,
      signal,
      onLine: (l) => {
        if (!ctx.out.json) ctx.io.stdout.write(logText(l.line) + '\n');
      },
      onReconnect: (why, attempt) => {
        if (!ctx.out.json) ctx.out.note(`(log stream interrupted: ${why}; reconnecting, attempt ${attempt})`);
      },
    });
  } finally {
    dispose();
  }

  if (!end) {
    const message = `stopped following: deployment ${d.id} keeps going; to cancel it: ${hint.cancel(d.id)}`;
    if (ctx.out.json) throw new CliError(message, EXIT.interrupted, { code: 'interrupted' });
    ctx.out.note(`\nStopped following. Deployment ${shortId(d.id)} keeps going; to cancel it:\n  ${hint.cancel(d.id)}`);
    ctx.exitCode = EXIT.interrupted;
    return;
  }

  const final = await client.getDeployment(scope, service, d.id);
  ctx.out.result(final, (f) => (end.status === 'succeeded' ? `${noun(kind)} ${shortId(f.id)} succeeded in ${runTime(f)}${f.current ? `: ${service} is live` : ''}.` : []));
  if (end.status !== 'succeeded') {
    const what = end.status === 'cancelled' ? 'was cancelled' : end.status === 'failed' ? 'failed' : `ended ${end.status}`;
    throw new CliError(`${kind === 'rollback' ? 'rollback' : 'deployment'} ${shortId(d.id)} ${what}${end.reason ? `: ${clean(end.reason)}` : ''}`, EXIT.failed, {
      code: `deployment_${end.status}`,
    });
  }
}

async function deploy(ctx: CliContext, [service]: string[], opts: StartOptions): Promise<void> {
  await start(ctx, service!, opts, 'deploy', (client, scope) => client.deploy(scope, service!));
}

async function rollback(ctx: CliContext, [service]: string[], opts: StartOptions & { to?: string }): Promise<void> {
  await start(ctx, service!, opts, 'rollback', async (client, scope) =>
    client.rollback(scope, service!, opts.to ? await resolveDeployment(client, scope, service!, opts.to) : undefined),
  );
}

async function cancel(ctx: CliContext, [raw]: string[], opts: ServiceOptions & { service: string }): Promise<void> {
  const scope = await ctx.scope(opts);
  const client = ctx.client();
  const id = await resolveDeployment(client, scope, opts.service, raw!);
  let d: Deployment;
  try {
    d = await client.cancelDeployment(scope, opts.service, id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) throw new ApiError(err.status, err.code, `cannot cancel deployment ${shortId(id)} of ${opts.service}: ${err.message}`, err.issues);
    throw err;
  }
  ctx.out.result(d, (x) =>
    x.status === 'cancelled'
      ? `Cancelled deployment ${shortId(x.id)} of ${opts.service}; the live version keeps serving.`
      : `Cancelling deployment ${shortId(x.id)} of ${opts.service} (still ${x.status}; it stops at its next step); the live version keeps serving.`,
  );
}

async function list(ctx: CliContext, [service]: string[], opts: ServiceOptions & { limit?: number }): Promise<void> {
  const scope = await ctx.scope(opts);
  const deployments = await ctx.client().listDeployments(scope, service!, opts.limit);
  const now = Date.now();
  ctx.out.result(deployments, (ds) =>
    ds.length
      ? table(
          ['id', 'status', 'commit', 'trigger', 'age', 'duration'],
          ds.map((d) => [shortId(d.id), d.current ? `${d.status} (live)` : d.status, source(d, 40), d.trigger, ago(d.createdAt, now), runTime(d, now)]),
        )
      : `No deployments of ${service} yet: \`berth deploy ${service} --project ${scope.project}\` starts one.`,
  );
}

/** One line about a deployment for `status`. */
function summary(d: Deployment, now: number): string {
  const from = source(d);
  const id = `deployment ${shortId(d.id)}${from ? ` (${from})` : ''}`;
  switch (d.status) {
    case 'queued':
      return `${id} queued ${ago(d.createdAt, now)}`;
    case 'running':
      return `${id} running for ${runTime(d, now)}`;
    case 'succeeded':
      return `${id} ${d.current ? 'deployed' : 'succeeded'} ${ago(d.finishedAt, now)}`;
    default:
      return `${id} ${d.status} ${ago(d.finishedAt ?? d.createdAt, now)}${d.reason ? `: ${clean(d.reason)}` : ''}`;
  }
}

function renderStatus(service: string, scope: ServiceScope, st: ServiceStatus): string[] {
  const now = Date.now();
  const lines = [
    `${service} in ${scope.project}/${scope.env}: ${clean(st.state)}, ${st.replicas.healthy}/${st.replicas.desired} replicas healthy`,
    `Live:    ${st.current ? summary(st.current, now) : 'nothing deployed yet'}`,
  ];
  if (st.latest && st.latest.id !== st.current?.id) lines.push(`Latest:  ${summary(st.latest, now)}`);
  if (st.tasks.length) {
    lines.push('', table(['slot', 'state', 'health', 'node', 'message'], st.tasks.map((t) => [t.slot, t.state, t.health, t.node, t.error ?? t.message])));
  }
  return lines;
}

async function status(ctx: CliContext, [service]: string[], opts: ServiceOptions): Promise<void> {
  const scope = await ctx.scope(opts);
  const st = await ctx.client().serviceStatus(scope, service!);
  ctx.out.result(st, (s) => renderStatus(service!, scope, s));
}

const WAIT_HELP =
  '\nWith --wait (the default when stdout is a terminal and --json is not given) the build log streams\n' +
  'until the deployment ends; the exit code is 0 only if it succeeded (1 if it failed or was cancelled,\n' +
  '3 if the server could not be reached). Ctrl-C stops following (exit 130); the deployment keeps going.\n' +
  'Without --wait (the default in scripts, or with --no-wait) it prints the id and queue position and\n' +
  'exits 0 once the server accepted the deployment. With --json and --wait, no log is printed: the final\n' +
  'deployment is printed as JSON.';

export function registerDeployCommands(program: Command, act: Act): void {
  serviceScopeOptions(
    program
      .command('deploy')
      .description('Deploy a service: queue a build and release, and follow its log')
      .argument('<service>', 'service name'),
  )
    .addOption(new Option('--wait', 'follow the log to the end; exit 1 unless the deployment succeeded'))
    .addOption(new Option('--no-wait', 'print the deployment id and return at once'))
    .addHelpText('after', `${WAIT_HELP}\n\nExamples:\n  berth deploy web --project shop\n  berth deploy web --project shop --env staging --wait`)
    .action(act<StartOptions>(deploy));

  serviceScopeOptions(
    program
      .command('rollback')
      .description('Roll back to the previous successful deployment, or to --to, reusing its image (no build)')
      .argument('<service>', 'service name'),
  )
    .option('--to <deployment>', 'deployment to go back to: its id or the first characters of it')
    .addOption(new Option('--wait', 'follow the log to the end; exit 1 unless the rollback succeeded'))
    .addOption(new Option('--no-wait', 'print the deployment id and return at once'))
    .addHelpText('after', `${WAIT_HELP}\n\nExamples:\n  berth rollback web --project shop\n  berth rollback web --project shop --to 907c122c --wait`)
    .action(act<StartOptions & { to?: string }>(rollback));

  serviceScopeOptions(
    program
      .command('cancel')
      .description('Cancel a queued or running deployment (the live version keeps serving)')
      .argument('<deployment>', 'deployment id, or the first characters of it')
      .requiredOption('--service <name>', 'service the deployment belongs to'),
  )
    .addHelpText('after', '\nExample:\n  berth cancel 907c122c --service web --project shop')
    .action(act<ServiceOptions & { service: string }>(cancel));

  serviceScopeOptions(
    program
      .command('deployments')
      .description('List the deployments of a service, newest first')
      .argument('<service>', 'service name'),
  )
    .option('--limit <n>', 'how many (default 50)', integer(1, 200))
    .addHelpText('after', '\n"(live)" marks the deployment that is serving.\n\nExample:\n  berth deployments web --project shop --limit 10')
    .action(act<ServiceOptions & { limit?: number }>(list));

  serviceScopeOptions(
    program
      .command('status')
      .description('Show what a service runs: its state, healthy replicas, live and latest deployment, tasks')
      .argument('<service>', 'service name'),
  )
    .addHelpText('after', '\nExample:\n  berth status web --project shop')
    .action(act<ServiceOptions>(status));
}
