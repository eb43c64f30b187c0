// berth destination add|test|list|remove, berth backup run|list|show|verify|schedule …, berth restore —
// thin commands over /api/orgs/:org/backup-destinations and …/services/:service/backups. The secret
// key never goes through argv (it would show in `ps` and shell history): it is read from
// BERTH_S3_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY), or from stdin with --secret-stdin.
import type { Command } from 'commander';
import type { z } from 'zod';
import type { backupOut, destinationOut, restoreOut, scheduleOut } from '../../api/routes/backups.ts';
import type { Act } from '../action.ts';
import { path, type ServiceScope } from '../api-client.ts';
import type { CliContext, ServiceOptions } from '../context.ts';
import { CliError } from '../errors.ts';
import { clean, shortDate, table } from '../output.ts';
import { integer } from '../service-input.ts';
import { serviceScopeOptions } from '../service-flags.ts';

// The server's own response schemas, as types only (see api-client.ts): the CLI loads no server code.
type DestinationOut = z.input<typeof destinationOut>;
type BackupOut = z.input<typeof backupOut>;
type ScheduleOut = z.input<typeof scheduleOut>;
type RestoreOut = z.input<typeof restoreOut>;

const destinations = async (ctx: CliContext) => path`/api/orgs/${await ctx.org()}/backup-destinations`;
const svc = (s: ServiceScope, name: string) => path`/api/orgs/${s.org}/projects/${s.project}/environments/${s.env}/services/${name}`;

function size(bytes: number | null): string {
  if (bytes === null) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

function describeBackup(b: BackupOut): string {
  return [
    `${b.id}: ${b.kind === 'volume' ? `volume ${clean(b.volume ?? '')}` : `${clean(b.engine ?? 'database')} ${clean(b.engineVersion ?? '')}`} — ${b.status} (${b.trigger})`,
    `  destination: ${clean(b.destination)}, object ${clean(b.objectKey)}${b.objectDeletedAt ? ' (removed by retention)' : ''}`,
    ...(b.sizeBytes !== null ? [`  size: ${size(b.sizeBytes)}, sha256 ${b.sha256}`] : []),
    `  verification: ${b.verification.status}${b.verification.durationMs !== null ? ` in ${(b.verification.durationMs / 1000).toFixed(1)} s` : ''}`,
    ...(b.verification.report?.objects ?? []).map((o) => `    ${clean(o.name)}: ${o.count}`),
    ...(b.error ? [`  error: ${clean(b.error)}`] : []),
    ...(b.jobId ? [`  job: ${b.jobId}`] : []),
  ].join('\n');
}

// ---- destinations ----

interface DestinationOptions {
  bucket: string;
  region?: string;
  endpoint?: string;
  prefix?: string;
  pathStyle?: boolean;
  accessKeyId: string;
  secretStdin?: boolean;
}

async function readSecret(ctx: CliContext, fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) {
    if (!ctx.io.stdin) throw new CliError('--secret-stdin: nothing to read on stdin');
    let text = '';
    for await (const chunk of ctx.io.stdin) text += chunk.toString();
    const secret = text.trim();
    if (!secret) throw new CliError('--secret-stdin: stdin was empty');
    return secret;
  }
  const secret = ctx.io.env.BERTH_S3_SECRET_ACCESS_KEY ?? ctx.io.env.AWS_SECRET_ACCESS_KEY;
  if (!secret) throw new CliError('the secret key is read from BERTH_S3_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY), or from stdin with --secret-stdin — never from a flag');
  return secret;
}

async function destinationAdd(ctx: CliContext, [name]: string[], o: DestinationOptions): Promise<void> {
  const body = {
    name,
    bucket: o.bucket,
    accessKeyId: o.accessKeyId,
    secretAccessKey: await readSecret(ctx, o.secretStdin),
    ...(o.region ? { region: o.region } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
    ...(o.pathStyle ? { forcePathStyle: true } : {}),
  };
  const d = await ctx.client().request<DestinationOut>('POST', await destinations(ctx), { body });
  ctx.out.result(d, () => `Added destination ${clean(d.name)}: ${clean(d.endpoint ?? 'AWS S3')} bucket ${clean(d.bucket)}${d.prefix ? `/${clean(d.prefix)}` : ''} (connection tested: a probe object was written, read and deleted).`);
}

async function destinationList(ctx: CliContext): Promise<void> {
  const all = await ctx.client().request<DestinationOut[]>('GET', await destinations(ctx));
  ctx.out.result(all, (ds) =>
    ds.length
      ? table(['name', 'endpoint', 'region', 'bucket', 'prefix', 'key', 'added'], ds.map((d) => [d.name, d.endpoint ?? 'AWS S3', d.region, d.bucket, d.prefix, d.accessKeyHint, shortDate(d.createdAt)]))
      : 'No backup destinations: add one with `berth destination add <name> --bucket … --access-key-id …`.',
  );
}

async function destinationTest(ctx: CliContext, [name]: string[]): Promise<void> {
  const r = await ctx.client().request<{ ok: true; writeMs: number; readMs: number; deleteMs: number }>('POST', (await destinations(ctx)) + path`/${name!}/test`, { body: {} });
  ctx.out.result(r, () => `${clean(name!)}: OK (write ${r.writeMs} ms, read ${r.readMs} ms, delete ${r.deleteMs} ms)`);
}

async function destinationRemove(ctx: CliContext, [name]: string[], o: { yes?: boolean }): Promise<void> {
  await ctx.confirm({ what: 'backup destination', name: name!, yes: o.yes });
  await ctx.client().request<null>('DELETE', (await destinations(ctx)) + path`/${name!}`);
  ctx.out.result({ ok: true, removed: name }, () => `Removed destination ${clean(name!)}.`);
}

// ---- backups ----

interface RunOptions extends ServiceOptions {
  destination: string;
  volume?: string;
  stop?: boolean;
}

async function backupRun(ctx: CliContext, [service]: string[], o: RunOptions): Promise<void> {
  const s = await ctx.scope(o);
  const body = { destination: o.destination, ...(o.volume ? { kind: 'volume', volume: o.volume, stopService: Boolean(o.stop) } : {}) };
  const b = await ctx.client().request<BackupOut>('POST', `${svc(s, service!)}/backups`, { body });
  ctx.out.result(b, () => `Backup ${b.id} queued (job ${b.jobId}); it is verified by restoring it into a throwaway container.\nFollow it with: berth backup show ${clean(service!)} ${b.id} --project ${clean(o.project)}`);
}

async function backupList(ctx: CliContext, [service]: string[], o: ServiceOptions): Promise<void> {
  const s = await ctx.scope(o);
  const all = await ctx.client().request<BackupOut[]>('GET', `${svc(s, service!)}/backups`);
  ctx.out.result(all, (bs) =>
    bs.length
      ? table(
          ['id', 'created', 'kind', 'trigger', 'status', 'verified', 'size', 'destination'],
          bs.map((b) => [b.id, shortDate(b.createdAt), b.kind === 'volume' ? `volume ${b.volume}` : (b.engine ?? 'database'), b.trigger, b.objectDeletedAt ? 'removed' : b.status, b.verification.status, size(b.sizeBytes), b.destination]),
        )
      : `${clean(service!)} has no backups yet: berth backup run ${clean(service!)} --destination <name> --project ${clean(o.project)}`,
  );
}

async function backupShow(ctx: CliContext, [service, id]: string[], o: ServiceOptions): Promise<void> {
  const s = await ctx.scope(o);
  const b = await ctx.client().request<BackupOut>('GET', `${svc(s, service!)}${path`/backups/${id!}`}`);
  ctx.out.result(b, describeBackup);
}

async function backupVerify(ctx: CliContext, [service, id]: string[], o: ServiceOptions): Promise<void> {
  const s = await ctx.scope(o);
  const b = await ctx.client().request<BackupOut>('POST', `${svc(s, service!)}${path`/backups/${id!}/verify`}`, { body: {} });
  ctx.out.result(b, () => `Verification of ${b.id} queued.`);
}

// ---- schedules ----

interface ScheduleOptions extends ServiceOptions {
  destination: string;
  cron: string;
  timezone?: string;
  keep?: number;
  keepDays?: number;
  volume?: string;
  stop?: boolean;
}

async function scheduleAdd(ctx: CliContext, [service]: string[], o: ScheduleOptions): Promise<void> {
  const s = await ctx.scope(o);
  const body = {
    destination: o.destination,
    cron: o.cron,
    ...(o.timezone ? { timezone: o.timezone } : {}),
    ...(o.keep ? { keepCount: o.keep } : {}),
    ...(o.keepDays ? { keepDays: o.keepDays } : {}),
    ...(o.volume ? { kind: 'volume', volume: o.volume, stopService: Boolean(o.stop) } : {}),
  };
  const r = await ctx.client().request<ScheduleOut>('POST', `${svc(s, service!)}/backup-schedules`, { body });
  ctx.out.result(r, () => `Schedule ${r.id}: "${clean(r.cron)}" (${clean(r.timezone)}) to ${clean(r.destination)}; next run ${r.nextRunAt ?? 'never'}.`);
}

async function scheduleList(ctx: CliContext, [service]: string[], o: ServiceOptions): Promise<void> {
  const s = await ctx.scope(o);
  const all = await ctx.client().request<ScheduleOut[]>('GET', `${svc(s, service!)}/backup-schedules`);
  ctx.out.result(all, (rs) =>
    rs.length
      ? table(
          ['id', 'cron', 'zone', 'what', 'destination', 'keep', 'next run', 'last run'],
          rs.map((r) => [r.id, r.cron, r.timezone, r.kind === 'volume' ? `volume ${r.volume}` : 'database', r.destination, [r.keepCount ? `${r.keepCount}` : '', r.keepDays ? `${r.keepDays} d` : ''].filter(Boolean).join(', ') || 'all', r.enabled ? (r.nextRunAt ?? '') : 'disabled', r.lastRunAt ?? '']),
        )
      : `${clean(service!)} has no backup schedules.`,
  );
}

async function scheduleRemove(ctx: CliContext, [service, id]: string[], o: ServiceOptions): Promise<void> {
  const s = await ctx.scope(o);
  await ctx.client().request<null>('DELETE', `${svc(s, service!)}${path`/backup-schedules/${id!}`}`);
  ctx.out.result({ ok: true, removed: id }, () => `Removed schedule ${id} (its backups stay).`);
}

async function scheduleRun(ctx: CliContext, [service, id]: string[], o: ServiceOptions): Promise<void> {
  const s = await ctx.scope(o);
  const b = await ctx.client().request<BackupOut>('POST', `${svc(s, service!)}${path`/backup-schedules/${id!}/run`}`, { body: {} });
  ctx.out.result(b, () => `Backup ${b.id} queued for schedule ${id}.`);
}

// ---- restore ----

interface RestoreOptions extends ServiceOptions {
  into?: string;
  create?: boolean;
  yes?: boolean;
}

async function restore(ctx: CliContext, [service, backupId]: string[], o: RestoreOptions): Promise<void> {
  const s = await ctx.scope(o);
  let target: { project: string; environment: string; service: string; create?: boolean } | undefined;
  if (o.create && !o.into) throw new CliError('--create needs --into <project>/<environment>/<service> (the database to create)');
  if (o.into) {
    const parts = o.into.split('/');
    if (parts.length !== 3 || parts.some((p) => !p)) throw new CliError('--into expects <project>/<environment>/<service>');
    target = { project: parts[0]!, environment: parts[1]!, service: parts[2]!, ...(o.create ? { create: true } : {}) };
  }
  if (!o.create) await ctx.confirm({ what: 'the current data of', name: target?.service ?? service!, yes: o.yes });
  const r = await ctx.client().request<RestoreOut>('POST', `${svc(s, service!)}${path`/backups/${backupId!}/restore`}`, { body: target ? { target } : {} });
  ctx.out.result(r, () => `Restore ${r.id} queued (job ${r.jobId}): a safety backup of ${clean(target?.service ?? service!)} is taken first.`);
}

export function registerBackupCommands(program: Command, act: Act): void {
  const dest = program.command('destination').description('S3-compatible backup destinations of the organisation (AWS S3, R2, B2, MinIO)');
  dest
    .command('add')
    .description('Add a destination; it is saved only after a test write/read/delete succeeds')
    .argument('<name>', 'destination name')
    .requiredOption('--bucket <bucket>', 'bucket name')
    .requiredOption('--access-key-id <id>', 'access key id (the secret comes from BERTH_S3_SECRET_ACCESS_KEY or --secret-stdin)')
    .option('--endpoint <url>', 'S3-compatible endpoint (omit for AWS S3)')
    .option('--region <region>', 'region (default us-east-1; R2 uses auto)')
    .option('--prefix <prefix>', 'key prefix inside the bucket')
    .option('--path-style', 'path-style addressing (MinIO and most self-hosted servers)')
    .option('--secret-stdin', 'read the secret key from stdin')
    .addHelpText('after', '\nExample:\n  BERTH_S3_SECRET_ACCESS_KEY=… berth destination add offsite --endpoint https://s3.eu-central-003.backblazeb2.com --region eu-central-003 --bucket acme-backups --access-key-id 003abc…')
    .action(act<DestinationOptions>(destinationAdd));
  dest.command('list').alias('ls').description('List destinations (keys are never shown)').action(act(destinationList));
  dest.command('test').description('Write, read and delete a probe object').argument('<name>').action(act(destinationTest));
  dest.command('remove').alias('rm').description('Remove a destination no backup or schedule uses').argument('<name>').option('--yes', 'do not ask for confirmation').action(act<{ yes?: boolean }>(destinationRemove));

  const backup = program.command('backup').description('Backups of a database (dump) or a named volume (tar), verified by restoring them');
  serviceScopeOptions(backup.command('run').description('Back up a service now').argument('<service>'))
    .requiredOption('--destination <name>', 'backup destination')
    .option('--volume <name>', "back up this named volume instead of the database's dump")
    .option('--stop', 'stop the service while its volume is copied (consistent copy)')
    .addHelpText('after', '\nExamples:\n  berth backup run maindb --destination offsite --project shop\n  berth backup run files --volume berth-files --stop --destination offsite --project shop')
    .action(act<RunOptions>(backupRun));
  serviceScopeOptions(backup.command('list').alias('ls').description("A service's backups, newest first").argument('<service>')).action(act<ServiceOptions>(backupList));
  serviceScopeOptions(backup.command('show').description('One backup: size, SHA-256, verification report').argument('<service>').argument('<backup-id>')).action(act<ServiceOptions>(backupShow));
  serviceScopeOptions(backup.command('verify').description('Verify a stored backup again').argument('<service>').argument('<backup-id>')).action(act<ServiceOptions>(backupVerify));

  const schedule = backup.command('schedule').description('Backups on a cron schedule, with retention');
  serviceScopeOptions(schedule.command('add').description('Back up on a cron schedule').argument('<service>'))
    .requiredOption('--destination <name>', 'backup destination')
    .requiredOption('--cron <expr>', 'five-field cron expression or @daily/@hourly/…')
    .option('--timezone <tz>', 'IANA time zone of the expression (default UTC)')
    .option('--keep <n>', 'keep at most this many good backups', integer(1, 10_000))
    .option('--keep-days <n>', 'remove backups older than this many days (the newest good one always stays)', integer(1, 36_500))
    .option('--volume <name>', 'back up this named volume instead of the database')
    .option('--stop', 'stop the service while its volume is copied')
    .addHelpText('after', '\nExample:\n  berth backup schedule add maindb --destination offsite --cron "15 3 * * *" --timezone Europe/Berlin --keep 14 --keep-days 30 --project shop')
    .action(act<ScheduleOptions>(scheduleAdd));
  serviceScopeOptions(schedule.command('list').alias('ls').description("A service's schedules").argument('<service>')).action(act<ServiceOptions>(scheduleList));
  serviceScopeOptions(schedule.command('remove').alias('rm').description('Remove a schedule').argument('<service>').argument('<schedule-id>')).action(act<ServiceOptions>(scheduleRemove));
  serviceScopeOptions(schedule.command('run').description("Run a schedule's backup now").argument('<service>').argument('<schedule-id>')).action(act<ServiceOptions>(scheduleRun));

  serviceScopeOptions(
    program
      .command('restore')
      .description('Restore a verified backup into its service (after a safety backup), or --into another database of the same engine')
      .argument('<service>', 'the service the backup belongs to')
      .argument('<backup-id>'),
  )
    .option('--into <project/environment/service>', 'restore into another database service of the same engine')
    .option('--create', "with --into: create that database (the backup's engine and version) and restore into it")
    .option('--yes', 'do not ask for confirmation')
    .addHelpText('after', '\nExamples:\n  berth restore maindb 3f0c… --project shop --yes\n  berth restore maindb 3f0c… --project shop --into shop/staging/maindb-copy --create')
    .action(act<RestoreOptions>(restore));
}
