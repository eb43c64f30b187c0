// berth user list / create (instance administrators only; the server decides).
import type { Command } from 'commander';
import type { Act } from '../action.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { clean, shortDate, table } from '../output.ts';

interface CreateOptions {
  email: string;
  passwordStdin?: boolean;
}

async function list(ctx: CliContext): Promise<void> {
  const users = await ctx.client().listUsers();
  ctx.out.result(users, (us) => table(['name', 'email', 'admin', 'created'], us.map((u) => [u.name, u.email, u.isInstanceAdmin ? 'yes' : '', shortDate(u.createdAt)])));
}

async function create(ctx: CliContext, [name]: string[], opts: CreateOptions): Promise<void> {
  let password: string | undefined;
  if (opts.passwordStdin) {
    password = await ctx.readStdin('password');
    if (!password) throw new CliError('--password-stdin: stdin was empty');
  }
  const created = await ctx.client().createUser({ name: name!, email: opts.email, ...(password ? { password } : {}) });
  ctx.out.result(created, ({ user, password: generated }) => [
    `Created user ${clean(user.name)} <${clean(user.email)}>.`,
    ...(generated ? [`Password (shown only this once): ${generated}`] : []),
  ]);
}

export function registerUserCommands(program: Command, act: Act): void {
  const user = program.command('user').description('Users of this installation (instance administrators only)');

  user
    .command('list')
    .alias('ls')
    .description('List all users')
    .action(act(list));

  user
    .command('create')
    .description('Create a user; without --password-stdin a password is generated and printed once')
    .argument('<name>', 'user name: lowercase letters, digits and hyphens')
    .requiredOption('--email <email>', 'email address')
    .option('--password-stdin', 'read the password from stdin (at least 10 characters)')
    .addHelpText('after', '\nAdd the user to an organisation afterwards (POST /api/orgs/<org>/members).\n\nExamples:\n  berth user create bob --email bob@example.com\n  printf %s "$PASSWORD" | berth user create bob --email bob@example.com --password-stdin')
    .action(act<CreateOptions>(create));
}
