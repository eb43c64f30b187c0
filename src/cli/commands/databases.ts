// berth db create / list / show / credentials / logs / start / stop / restart / set-version / delete — thin
// commands over …/environments/:env/databases. Every command takes --json.
import type { Command } from 'commander';
import type { z } from 'zod';
import type { credentialsOut, databaseOut } from '../../api/routes/databases.ts';
import type { Act } from '../action.ts';
import { path } from '../api-client.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { clean, logText, table } from '../output.ts';
import { eventJson } from '../sse.ts';
import { integer } from '../service-input.ts';

const DEFAULT_ENV = 'production';

// The server's own response schemas, as types only (see api-client.ts): the CLI loads no server code.
type DatabaseOut = z.input<typeof databaseOut>;
type Credentials = z.input<typeof credentialsOut>;

type Scope = { project: string; env: string };

async function base(ctx: CliContext, o: Scope): Promise<string> {
  return path`/api/orgs/${await ctx.org()}/projects/${o.project}/environments/${o.env}/databases`;
}

function describe(d: DatabaseOut): string {
  const lines = [
    `${clean(d.name)}: ${clean(d.engine)} ${clean(d.version)} — ${clean(d.status)}${d.status !== d.desiredState ? ` (wanted: ${d.desiredState})` : ''}`,
    `  internal: ${clean(d.internal.url)} (alias ${clean(d.internal.alias)})`,
    ...(d.external ? [`  external: ${clean(d.external.url)}`] : []),
    ...(d.lastError ? [`  last error: ${clean(d.lastError)}`] : []),
    ...(d.lastJobId ? [`  job: ${d.lastJobId}`] : []),
    ...d.warnings.map((w) => `  note: ${clean(w)}`),
  ];
  return lines.join('\n');
}

async function list(ctx: CliContext, _args: string[], o: Scope): Promise<void> {
  const dbs = await ctx.client().request<DatabaseOut[]>('GET', await base(ctx, o));
  ctx.out.result(dbs, (all) =>
    all.length
      ? table(['name', 'engine', 'version', 'status', 'internal host', 'external port'], all.map((d) => [d.name, d.engine, d.version, d.status, d.internal.host, d.externalPort ?? '']))
      : `No databases in ${o.project}/${o.env}.`,
  );
}

async function create(ctx: CliContext, [name]: string[], o: Scope & { engine: string; version?: string; cpus?: string; memory?: number; externalPort?: number; user?: string; database?: string }): Promise<void> {
  const body = {
    name,
    engine: o.engine,
    ...(o.version ? { version: o.version } : {}),
    resources: { ...(o.cpus ? { cpus: Number(o.cpus) } : {}), ...(o.memory ? { memoryMb: o.memory } : {}) },
    ...(o.externalPort ? { externalPort: o.externalPort } : {}),
    ...(o.user ? { user: o.user } : {}),
    ...(o.database ? { databaseName: o.database } : {}),
  };
  const d = await ctx.client().request<DatabaseOut>('POST', await base(ctx, o), { body });
  ctx.out.result(d, () => `Creating ${describe(d)}\nFollow it with: berth db show ${clean(d.name)} --project ${clean(o.project)}`);
}

async function show(ctx: CliContext, [name]: string[], o: Scope): Promise<void> {
  const d = await ctx.client().request<DatabaseOut>('GET', (await base(ctx, o)) + path`/${name!}`);
  ctx.out.result(d, describe);
}

async function credentials(ctx: CliContext, [name]: string[], o: Scope): Promise<void> {
  const c = await ctx.client().request<Credentials>('POST', (await base(ctx, o)) + path`/${name!}/credentials`, { body: {} });
  ctx.out.result(c, () =>
    [`user: ${clean(c.user)}`, `password: ${c.password}`, `database: ${clean(c.database)}`, `internal: ${c.internalUrl}`, ...(c.externalUrl ? [`external: ${c.externalUrl}`] : [])].join('\n'),
  );
}

function action(verb: 'start' | 'stop' | 'restart') {
  return async (ctx: CliContext, [name]: string[], o: Scope): Promise<void> => {
    const d = await ctx.client().request<DatabaseOut>('POST', (await base(ctx, o)) + path`/${name!}/${verb}`, { body: {} });
    ctx.out.result(d, () => `${verb}: ${describe(d)}`);
  };
}

async function setVersion(ctx: CliContext, [name, version]: string[], o: Scope): Promise<void> {
  const d = await ctx.client().request<DatabaseOut>('PATCH', (await base(ctx, o)) + path`/${name!}`, { body: { version } });
  ctx.out.result(d, () => `Changing the version (stop-first, safety backup first when backups are set up):\n${describe(d)}`);
}

async function remove(ctx: CliContext, [name]: string[], o: Scope & { yes?: boolean }): Promise<void> {
  await ctx.confirm({ what: 'database (and all its data)', name: name!, yes: o.yes });
  const d = await ctx.client().request<DatabaseOut>('DELETE', (await base(ctx, o)) + path`/${name!}`);
  ctx.out.result(d, () => `Deleting ${clean(d.name)} and its volume.`);
}

async function logs(ctx: CliContext, [name]: string[], o: Scope & { follow?: boolean; tail?: number }): Promise<void> {
  const { signal, dispose } = ctx.interruption();
  try {
    const events = ctx.client().events((await base(ctx, o)) + path`/${name!}/logs`, {
      signal,
      query: { follow: o.follow ? 'true' : 'false', tail: o.tail === undefined ? undefined : String(o.tail) },
    });
    for await (const e of events) {
      if (e.event === 'line') {
        const l = eventJson<{ stream: string; at: string | null; line: string }>(e);
        if (ctx.out.json) ctx.io.stdout.write(JSON.stringify({ event: 'line', ...l }) + '\n');
        else (l.stream === 'stderr' ? ctx.io.stderr : ctx.io.stdout).write(`${logText(l.line)}\n`);
      } else if (e.event === 'error') {
        throw new CliError(`the log stream failed: ${clean(eventJson<{ message?: string }>(e).message ?? 'unknown error')}`, EXIT.failed, { code: 'log_stream_failed' });
      } else if (e.event === 'end') {
        break;
      }
    }
    if (signal.aborted) ctx.exitCode = EXIT.interrupted;
  } finally {
    dispose();
  }
}

export function registerDatabaseCommands(program: Command, act: Act): void {
  const db = program.command('db').description('Managed databases (PostgreSQL, MySQL, MariaDB, MongoDB, Redis) of a project environment');
  const scoped = (c: Command) => c.requiredOption('--project <name>', 'project').option('--env <name>', 'environment', DEFAULT_ENV);

  scoped(db.command('list').alias('ls').description('List the databases of an environment')).action(act<Scope>(list));

  scoped(
    db
      .command('create')
      .description('Create a database with generated credentials (project network only unless --external-port)')
      .argument('<name>', 'service name: lowercase letters, digits and hyphens')
      .requiredOption('--engine <engine>', 'postgres, mysql, mariadb, mongodb or redis')
      .option('--version <v>', "engine version (default: the engine's default)")
      .option('--cpus <n>', 'CPU limit')
      .option('--memory <mb>', 'memory limit in MiB', integer(32, 1024 * 1024))
      .option('--external-port <port>', 'publish on the node in host mode (reachable from outside: use with care)', integer(1024, 65535))
      .option('--user <name>', 'database user (default app)')
      .option('--database <name>', 'database name (default: the service name)')
      .addHelpText('after', '\nExample:\n  berth db create maindb --project shop --engine postgres --version 16 --memory 512'),
  ).action(act(create));

  scoped(db.command('show').description('Status and connection strings (password masked)').argument('<name>')).action(act<Scope>(show));
  scoped(db.command('credentials').description('Reveal the credentials and connection strings (audited)').argument('<name>')).action(act<Scope>(credentials));
  for (const verb of ['start', 'stop', 'restart'] as const) {
    scoped(db.command(verb).description(`${verb[0]!.toUpperCase()}${verb.slice(1)} the database`).argument('<name>')).action(act<Scope>(action(verb)));
  }
  scoped(
    db
      .command('logs')
      .description("The database server's output")
      .argument('<name>')
      .option('-f, --follow', 'keep printing new lines until Ctrl-C')
      .option('--tail <n>', 'lines to start with (default 200)', integer(0, 10_000)),
  ).action(act<Scope & { follow?: boolean; tail?: number }>(logs));
  scoped(db.command('set-version').description('Change the engine version (stop-first; not zero-downtime)').argument('<name>').argument('<version>')).action(act<Scope>(setVersion));
  scoped(db.command('delete').alias('rm').description('Delete the database and its data').argument('<name>').option('--yes', 'do not ask for confirmation')).action(act<Scope & { yes?: boolean }>(remove));
}
