// berth dns-providers add / list / remove: the DNS-01 providers (RFC 2136 + TSIG, Cloudflare, Route 53)
// of the installation (the base domain's wildcard certificate uses them) or, with --org, of an
// organisation. The provider's secret never comes from argv (it would sit in the shell history and in
// `ps`): it is read from an environment variable or from stdin (--secret-stdin), sent once, and never
// printed; the server seals it and never returns it.
import { Option, type Command } from 'commander';
import type { DnsProviderInput } from '../../core/dns-providers/dns-providers.ts';
import type { Act } from '../action.ts';
import { path } from '../api-client.ts';
import type { CliContext } from '../context.ts';
import { ApiError, CliError } from '../errors.ts';
import { clean, shortDate, table } from '../output.ts';

type ProviderType = DnsProviderInput['type'];

export interface DnsProvider {
  id: string;
  name: string;
  type: ProviderType;
  zone: string;
  settings: Record<string, string | number>;
  createdAt: string;
}

interface AddOptions {
  type: ProviderType;
  zone: string;
  server?: string;
  keyName?: string;
  transport?: 'udp' | 'tcp';
  zoneId?: string;
  accessKeyId?: string;
  hostedZoneId?: string;
  region?: string;
  secretStdin?: boolean;
}

/** Per type: the secret (its API field, what it is, the variables it may come from) and the flags it takes. */
const TYPES: Record<ProviderType, { secret: { field: string; what: string; env: readonly string[] }; required: (keyof AddOptions)[]; optional: (keyof AddOptions)[] }> = {
  rfc2136: { secret: { field: 'keySecret', what: 'the TSIG secret', env: ['BERTH_TSIG_SECRET'] }, required: ['server', 'keyName'], optional: ['transport'] },
  cloudflare: { secret: { field: 'apiToken', what: 'the Cloudflare API token', env: ['BERTH_CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_TOKEN'] }, required: [], optional: ['zoneId'] },
  route53: {
    secret: { field: 'secretAccessKey', what: 'the AWS secret access key', env: ['BERTH_ROUTE53_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY'] },
    required: ['accessKeyId'],
    optional: ['hostedZoneId', 'region'],
  },
};

/** The type-specific flags, as commander names their values and as the API names its fields. */
const FLAGS: Partial<Record<keyof AddOptions, { flag: string; field: string }>> = {
  server: { flag: '--server', field: 'server' },
  keyName: { flag: '--key-name', field: 'keyName' },
  transport: { flag: '--transport', field: 'transport' },
  zoneId: { flag: '--zone-id', field: 'zoneId' },
  accessKeyId: { flag: '--access-key-id', field: 'accessKeyId' },
  hostedZoneId: { flag: '--hosted-zone-id', field: 'hostedZoneId' },
  region: { flag: '--region', field: 'region' },
};

const flagOf = (key: keyof AddOptions) => FLAGS[key]!.flag;

/** `--org` names an organisation's providers; without it, the installation's (instance administrators). */
const base = (ctx: CliContext) => (ctx.globals.org ? path`/api/orgs/${ctx.globals.org}/dns-providers` : '/api/dns-providers');
const scopeWord = (ctx: CliContext) => (ctx.globals.org ? `organisation ${ctx.globals.org}` : 'the installation');

/** The secret: all of stdin with --secret-stdin, else the first of the type's variables that is set. */
async function readSecret(ctx: CliContext, type: ProviderType, fromStdin: boolean | undefined): Promise<string> {
  const { what, env } = TYPES[type].secret;
  if (fromStdin) {
    const secret = (await ctx.readStdin(what)).trim();
    if (!secret) throw new CliError(`--secret-stdin: stdin was empty (expected ${what})`);
    return secret;
  }
  for (const name of env) {
    const value = ctx.io.env[name]?.trim();
    if (value) return value;
  }
  throw new CliError(`no secret: ${what} is read from ${env.join(' or ')}, or from stdin with --secret-stdin — never from a flag; nothing was stored`);
}

/** The server's 400 in the words of this command: `body/server` → `--server`, the secret → its variable. */
function inFlagTerms(err: unknown, type: ProviderType): unknown {
  if (!(err instanceof ApiError) || err.status !== 400) return err;
  const { secret } = TYPES[type];
  const rename = (p: string): string => {
    const field = p.replace(/^body\/?/, '');
    if (field === secret.field) return `${secret.what} (${secret.env[0]} or --secret-stdin)`;
    if (field === 'name') return '<name>';
    if (field === 'zone' || field === 'type') return `--${field}`;
    const known = Object.values(FLAGS).find((f) => f.field === field);
    return known ? known.flag : p;
  };
  // Two checks of one field may say the same thing (the TSIG secret's length and alphabet): once is enough.
  const issues = err.issues
    .map((i) => ({ path: rename(i.path), message: i.message }))
    .filter((i, n, all) => all.findIndex((j) => j.path === i.path && j.message === i.message) === n);
  const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ') || err.message;
  return new ApiError(err.status, err.code, message, issues);
}

function settingsCell(p: DnsProvider): string {
  return Object.entries(p.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

async function add(ctx: CliContext, [name]: string[], opts: AddOptions): Promise<void> {
  const spec = TYPES[opts.type];
  // Flags of another type are refused rather than silently dropped.
  const allowed = new Set<keyof AddOptions>([...spec.required, ...spec.optional]);
  const foreign = (Object.keys(FLAGS) as (keyof AddOptions)[]).filter((k) => opts[k] !== undefined && !allowed.has(k));
  if (foreign.length) throw new CliError(`${foreign.map(flagOf).join(', ')}: not an option of a ${opts.type} provider`);
  const missing = spec.required.filter((k) => opts[k] === undefined);
  if (missing.length) throw new CliError(`a ${opts.type} provider needs ${missing.map(flagOf).join(' and ')}`);
  const secret = await readSecret(ctx, opts.type, opts.secretStdin);
  const fields = Object.fromEntries([...allowed].filter((k) => opts[k] !== undefined).map((k) => [FLAGS[k]!.field, opts[k]]));
  const body = { type: opts.type, name: name!, zone: opts.zone, ...fields, [spec.secret.field]: secret };
  let created: DnsProvider;
  try {
    created = await ctx.client().request<DnsProvider>('POST', base(ctx), { body });
  } catch (err) {
    throw inFlagTerms(err, opts.type);
  }
  ctx.out.result(created, (p) => [
    `Added the ${p.type} DNS provider ${clean(p.name)} for ${scopeWord(ctx)}: it may write _acme-challenge records under ${clean(p.zone)}.`,
    ...(ctx.globals.org ? [] : ['The base domain\'s wildcard certificate uses it: `berth ssl wildcard`.']),
  ]);
}

async function list(ctx: CliContext): Promise<void> {
  const providers = await ctx.client().request<DnsProvider[]>('GET', base(ctx));
  ctx.out.result(providers, (ps) =>
    ps.length
      ? table(['name', 'type', 'zone', 'settings', 'added'], ps.map((p) => [p.name, p.type, p.zone, settingsCell(p), shortDate(p.createdAt)]))
      : `No DNS providers for ${scopeWord(ctx)}: add one with \`berth dns-providers add <name> --type rfc2136|cloudflare|route53 --zone <zone>\`.`,
  );
}

async function remove(ctx: CliContext, [name]: string[]): Promise<void> {
  const client = ctx.client();
  const providers = await client.request<DnsProvider[]>('GET', base(ctx));
  const found = providers.find((p) => p.name === name);
  if (!found) throw new CliError(`${scopeWord(ctx)} has no DNS provider ${clean(name)} (its providers: ${providers.map((p) => clean(p.name)).join(', ') || 'none'})`);
  await client.request<{ ok: true }>('DELETE', `${base(ctx)}${path`/${found.id}`}`);
  ctx.out.result({ ok: true, removed: found }, () => `Removed the DNS provider ${clean(found.name)} (zone ${clean(found.zone)}); its credentials are gone from Berth.`);
}

export function registerDnsProviderCommands(program: Command, act: Act): void {
  const dns = program
    .command('dns-providers')
    .alias('dns')
    .description("DNS-01 providers: where Berth writes _acme-challenge records (the installation's by default, an organisation's with --org)")
    .addHelpText(
      'after',
      "\nWithout --org these are the installation's providers (instance administrators; the base domain's wildcard uses them):\nBERTH_ORG and the saved organisation do not apply here. With --org <name>, that organisation's (its admins).",
    );

  dns
    .command('add')
    .description('Add a DNS provider for a zone; its secret comes from an environment variable or stdin, never from a flag')
    .argument('<name>', 'a name for it: lowercase letters, digits and hyphens')
    .addOption(new Option('--type <type>', 'the provider').choices(['rfc2136', 'cloudflare', 'route53']).makeOptionMandatory())
    .requiredOption('--zone <zone>', 'the zone it may change, e.g. example.com')
    .option('--server <host[:port]>', 'rfc2136: the primary name server accepting dynamic updates')
    .option('--key-name <name>', 'rfc2136: the TSIG key name (secret: BERTH_TSIG_SECRET or --secret-stdin)')
    .addOption(new Option('--transport <udp|tcp>', 'rfc2136: how updates are sent (default udp)').choices(['udp', 'tcp']))
    .option('--zone-id <id>', 'cloudflare: the zone id (default: looked up by name; token: BERTH_CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN)')
    .option('--access-key-id <id>', 'route53: the access key id (secret: BERTH_ROUTE53_SECRET_ACCESS_KEY or AWS_SECRET_ACCESS_KEY)')
    .option('--hosted-zone-id <id>', 'route53: the hosted zone id (default: looked up by name)')
    .option('--region <region>', 'route53: the region to sign for (default us-east-1)')
    .option('--secret-stdin', 'read the secret (TSIG secret, API token, secret access key) from stdin')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  tsig-keygen -a hmac-sha256 berth-acme | sed -n \'s/.*secret "\\(.*\\)";/\\1/p\' \\',
        '    | berth dns-providers add bind --type rfc2136 --zone example.com --server ns1.example.com:53 --key-name berth-acme --secret-stdin',
        '  CLOUDFLARE_API_TOKEN=… berth dns-providers add cf --type cloudflare --zone example.com',
        '  AWS_SECRET_ACCESS_KEY=… berth dns-providers add aws --type route53 --zone example.com --access-key-id AKIA…',
      ].join('\n'),
    )
    .action(act<AddOptions>(add));

  dns.command('list', { isDefault: true }).alias('ls').description('List the DNS providers (their secrets are never shown)').action(act(list));

  dns
    .command('remove')
    .alias('rm')
    .description('Remove a DNS provider and its stored credentials')
    .argument('<name>', 'the provider name')
    .action(act(remove));
}
