// berth login / logout / whoami.
import type { Command } from 'commander';
import type { Act } from '../action.ts';
import type { Me } from '../api-client.ts';
import type { CliContext } from '../context.ts';
import { configFile, normalizeUrl, removeLogin, sendsKeyInClear, writeLogin, type StoredLogin } from '../credentials.ts';
import { CliError } from '../errors.ts';
import { clean, table } from '../output.ts';

interface LoginOptions {
  url?: string;
  apiKey?: string;
}

async function apiKeyFrom(ctx: CliContext, flag: string | undefined): Promise<string> {
  const raw = flag === '-' ? await ctx.readStdin('API key') : (flag ?? ctx.io.env.BERTH_API_KEY);
  const key = raw?.trim();
  if (!key) throw new CliError('an API key is required: --api-key <key>, --api-key - to read it from stdin, or BERTH_API_KEY');
  return key;
}

async function login(ctx: CliContext, _args: string[], opts: LoginOptions): Promise<void> {
  const rawUrl = opts.url ?? ctx.io.env.BERTH_URL;
  if (!rawUrl) throw new CliError('the server URL is required: --url <server> (or BERTH_URL)');
  const url = normalizeUrl(rawUrl);
  const apiKey = await apiKeyFrom(ctx, opts.apiKey);
  const me = await ctx.client({ url, apiKey }).me();
  const org = ctx.globals.org;
  if (org && !me.organizations.some((o) => o.name === org)) {
    throw new CliError(`you are not a member of organisation "${org}" (yours: ${me.organizations.map((o) => o.name).join(', ') || 'none'})`);
  }
  if (sendsKeyInClear(url)) ctx.out.note(`warning: ${url} is plain HTTP: the API key travels unencrypted; prefer https://`);
  const file = configFile(ctx.io.env);
  const stored: StoredLogin = { url, apiKey, ...(org ? { org } : {}) };
  writeLogin(file, stored);
  ctx.out.result({ url, user: me.user, organizations: me.organizations, org: org ?? null, file }, () => [
    `Logged in to ${url} as ${clean(me.user.name)} <${clean(me.user.email)}>.`,
    `Organisations: ${me.organizations.map((o) => `${clean(o.name)} (${o.role})`).join(', ') || 'none'}${org ? `; default: ${org}` : ''}.`,
    `Saved to ${file}.`,
  ]);
}

async function logout(ctx: CliContext): Promise<void> {
  const file = configFile(ctx.io.env);
  const removed = removeLogin(file);
  ctx.out.result({ removed, file }, () => (removed ? `Logged out: removed ${file}.` : `Not logged in (no ${file}).`));
  if (!ctx.out.json && ctx.io.env.BERTH_API_KEY) ctx.out.note('note: BERTH_API_KEY is still set in this environment.');
}

function defaultOrg(ctx: CliContext, me: Me): string | null {
  const named = ctx.globals.org ?? ctx.credentials().org;
  if (named) return named;
  return me.organizations.length === 1 ? me.organizations[0]!.name : null;
}

async function whoami(ctx: CliContext): Promise<void> {
  const client = ctx.client();
  const me = await client.me();
  const creds = ctx.credentials();
  const org = defaultOrg(ctx, me);
  const keySource = creds.sources.apiKey === 'env' ? 'BERTH_API_KEY' : creds.file;
  ctx.out.result({ url: client.url, via: me.via, user: me.user, organizations: me.organizations, org }, () => [
    `${clean(me.user.name)} <${clean(me.user.email)}>${me.user.isInstanceAdmin ? ', instance administrator' : ''}`,
    `Authenticated with ${me.via === 'api_key' ? 'an API key' : 'a session'} (from ${keySource}) at ${client.url}`,
    '',
    me.organizations.length
      ? table(['organisation', 'role', 'default'], me.organizations.map((o) => [o.name, o.role, o.name === org ? 'yes' : '']))
      : 'No organisations.',
  ]);
}

export function registerAuthCommands(program: Command, act: Act): void {
  program
    .command('login')
    .description('Check an API key against a server and save both for the next commands')
    .option('--url <server>', 'server URL, e.g. https://berth.example.com (default: BERTH_URL)')
    .option('--api-key <key>', 'API key; "-" reads it from stdin (default: BERTH_API_KEY)')
    .addHelpText('after', '\nThe global --org is saved as the default organisation.\n\nExample:\n  echo "$KEY" | berth login --url https://berth.example.com --api-key -')
    .action(act<LoginOptions>(login));

  program
    .command('logout')
    .description('Forget the saved server and API key')
    .action(act(logout));

  program
    .command('whoami')
    .description('Show the user, how they are authenticated, and their organisations with roles')
    .action(act(whoami));
}
