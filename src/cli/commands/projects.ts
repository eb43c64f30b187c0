// berth project list / create / delete.
import type { Command } from 'commander';
import type { Act } from '../action.ts';
import type { CliContext } from '../context.ts';
import { clean, shortDate, table } from '../output.ts';

async function list(ctx: CliContext): Promise<void> {
  const org = await ctx.org();
  const projects = await ctx.client().listProjects(org);
  ctx.out.result(projects, (ps) =>
    ps.length ? table(['name', 'description', 'created'], ps.map((p) => [p.name, p.description, shortDate(p.createdAt)])) : `No projects in ${org}.`,
  );
}

async function create(ctx: CliContext, [name]: string[], opts: { description?: string }): Promise<void> {
  const org = await ctx.org();
  const project = await ctx.client().createProject(org, { name: name!, ...(opts.description !== undefined ? { description: opts.description } : {}) });
  ctx.out.result(project, (p) => `Created project ${clean(p.name)} in ${org} (environments: ${p.environments.map((e) => clean(e.name)).join(', ')}).`);
}

async function remove(ctx: CliContext, [name]: string[], opts: { yes?: boolean }): Promise<void> {
  const org = await ctx.org();
  await ctx.confirm({ what: 'project', name: name!, yes: opts.yes });
  const project = await ctx.client().deleteProject(org, name!);
  ctx.out.result(project, (p) => `Deleted project ${clean(p.name)} and everything in it.`);
}

export function registerProjectCommands(program: Command, act: Act): void {
  const project = program.command('project').description('Projects of an organisation');

  project
    .command('list')
    .alias('ls')
    .description('List the projects of the organisation')
    .addHelpText('after', '\nExample:\n  berth project list --org acme')
    .action(act(list));

  project
    .command('create')
    .description('Create a project (it starts with a production environment)')
    .argument('<name>', 'project name: lowercase letters, digits and hyphens')
    .option('--description <text>', 'what the project is for')
    .addHelpText('after', '\nExample:\n  berth project create shop --description "The web shop"')
    .action(act<{ description?: string }>(create));

  project
    .command('delete')
    .alias('rm')
    .description('Delete a project with its environments and services')
    .argument('<name>', 'project name')
    .option('-y, --yes', 'do not ask for confirmation (required when not run from a terminal)')
    .addHelpText('after', '\nExample:\n  berth project delete shop --yes')
    .action(act<{ yes?: boolean }>(remove));
}
