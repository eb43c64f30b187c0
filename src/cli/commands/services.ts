// berth service list / create / delete.
import { Option, type Command } from 'commander';
import type { Act } from '../action.ts';
import type { Service } from '../api-client.ts';
import type { CliContext } from '../context.ts';
import { clean, table } from '../output.ts';
import { collect, describeSource, integer, serviceBody, type ServiceCreateOptions } from '../service-input.ts';

const DEFAULT_ENV = 'production';

function serviceTable(services: Service[]): string {
  return table(
    ['name', 'project', 'env', 'kind', 'source', 'replicas', 'port'],
    services.map((s) => [s.name, s.project, s.environment, s.kind, describeSource(s.spec), s.spec.replicas as number, s.spec.port as number]),
  );
}

async function list(ctx: CliContext, _args: string[], opts: { project?: string; env?: string }): Promise<void> {
  const org = await ctx.org();
  const services = await ctx.client().listServices(org, { project: opts.project, environment: opts.env });
  ctx.out.result(services, (ss) => (ss.length ? serviceTable(ss) : `No services in ${org}${opts.project ? `/${opts.project}` : ''}.`));
}

async function create(ctx: CliContext, [name]: string[], opts: ServiceCreateOptions & { project: string; env: string }): Promise<void> {
  const body = serviceBody(name!, opts, ctx.io.env);
  const scope = { org: await ctx.org(), project: opts.project, env: opts.env };
  const service = await ctx.client().createService(scope, body);
  const secrets = body.env?.filter((v) => v.secret).length ?? 0;
  const plain = (body.env?.length ?? 0) - secrets;
  ctx.out.result(service, (s) =>
    `Created service ${clean(s.name)} in ${clean(s.project)}/${clean(s.environment)} (source: ${clean(describeSource(s.spec))}; ${plain} variable${plain === 1 ? '' : 's'}, ${secrets} secret${secrets === 1 ? '' : 's'}).`,
  );
}

async function remove(ctx: CliContext, [name]: string[], opts: { project: string; env: string; yes?: boolean }): Promise<void> {
  const scope = { org: await ctx.org(), project: opts.project, env: opts.env };
  await ctx.confirm({ what: 'service', name: name!, yes: opts.yes });
  const result = await ctx.client().deleteService(scope, name!);
  ctx.out.result({ ...result, service: name, project: opts.project, environment: opts.env }, () => `Deleted service ${clean(name)} from ${clean(opts.project)}/${clean(opts.env)}.`);
}

export function registerServiceCommands(program: Command, act: Act): void {
  const service = program.command('service').description('Services (applications) of a project environment');

  service
    .command('list')
    .alias('ls')
    .description('List the services of the organisation, optionally of one project or environment')
    .option('--project <name>', 'only this project')
    .option('--env <name>', 'only this environment')
    .addHelpText('after', '\nExample:\n  berth service list --project shop --json')
    .action(act<{ project?: string; env?: string }>(list));

  service
    .command('create')
    .description('Create a service from an image or a git repository')
    .argument('<name>', 'service name: lowercase letters, digits and hyphens')
    .requiredOption('--project <name>', 'project')
    .option('--env <name>', 'environment', DEFAULT_ENV)
    .addOption(new Option('--image <ref>', 'run this Docker image, e.g. nginx:1.27').conflicts('git'))
    .addOption(new Option('--git <url>', 'build from this git repository (https://, ssh:// or git@host:path)').conflicts('image'))
    .option('--ref <branch>', 'branch or tag to build (with --git; default main)')
    .option('--port <n>', 'port the app listens on', integer(1, 65535))
    .option('--replicas <n>', 'how many tasks to run (default 1)', integer(0, 100))
    .option('--env-var <KEY=VALUE>', 'environment variable (repeatable; a bare KEY takes its value from your environment)', collect)
    .option('--secret <KEY=VALUE>', 'secret variable, stored encrypted and never shown again (repeatable; a bare KEY takes its value from your environment)', collect)
    .addHelpText(
      'after',
      '\nExamples:\n  berth service create web --project shop --image nginx:1.27 --port 80 --env-var MODE=prod\n' +
        '  DB_PASSWORD=… berth service create api --project shop --git https://github.com/acme/api --ref main --secret DB_PASSWORD',
    )
    .action(act<ServiceCreateOptions & { project: string; env: string }>(create));

  service
    .command('delete')
    .alias('rm')
    .description('Delete a service')
    .argument('<name>', 'service name')
    .requiredOption('--project <name>', 'project')
    .option('--env <name>', 'environment', DEFAULT_ENV)
    .option('-y, --yes', 'do not ask for confirmation (required when not run from a terminal)')
    .addHelpText('after', '\nExample:\n  berth service delete web --project shop --yes')
    .action(act<{ project: string; env: string; yes?: boolean }>(remove));
}
