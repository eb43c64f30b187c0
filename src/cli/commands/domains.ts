// berth domains [list] / add / remove, and berth webhook: how requests and pushes reach a service.
import type { Command } from 'commander';
import type { Act } from '../action.ts';
import type { Domain, Webhook } from '../api-client.ts';
import type { CliContext, ServiceOptions } from '../context.ts';
import { CliError } from '../errors.ts';
import { clean, shortDate, table } from '../output.ts';
import { collect, integer } from '../service-input.ts';
import { serviceScopeOptions } from '../service-flags.ts';
import { ago } from '../time.ts';
import { registerDomainTlsCommand, tlsCell, type TlsStatus } from './ssl.ts';

interface DomainOptions extends ServiceOptions {
  path?: string;
  port?: number;
}

/** Hosts compare without case or a final dot; paths without a final slash ("/api/" is "/api"). */
const sameHost = (a: string, b: string) => a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');
const samePath = (a: string, b: string) => a.replace(/(.)\/$/, '$1') === b.replace(/(.)\/$/, '$1');
const where = (d: Pick<Domain, 'host' | 'pathPrefix'>) => `${clean(d.host)}${d.pathPrefix === '/' ? '' : clean(d.pathPrefix)}`;

/** The stored domain `host` (+ `path`) names among a service's domains; clear errors otherwise. */
export function findDomain(domains: readonly Domain[], service: string, host: string, path: string | undefined): Domain {
  const byHost = domains.filter((d) => sameHost(d.host, host));
  const matches = path === undefined ? byHost : byHost.filter((d) => samePath(d.pathPrefix, path));
  if (matches.length === 1) {
    const [d] = matches;
    if (d!.automatic || !d!.id) throw new CliError(`${where(d!)} is ${service}'s automatic domain under the base domain: it cannot be removed (unset the base domain instead: berth config unset domain)`);
    return d!;
  }
  if (matches.length > 1) throw new CliError(`${clean(host)} routes several paths to ${service} (${matches.map((d) => d.pathPrefix).join(', ')}): choose one with --path`);
  const known = domains.map(where).join(', ') || 'none';
  throw new CliError(`${service} has no domain ${clean(host)}${path && path !== '/' ? clean(path) : ''} (its domains: ${known})`);
}

/** What `GET …/domains` adds to each domain: its host's certificate and HTTPS choices. */
type ListedDomain = Domain & { tls?: TlsStatus | null; https?: { https: boolean; redirectHttp: boolean; hstsMaxAge: number | null } };

function domainTable(domains: ListedDomain[]): string {
  return table(
    ['host', 'path', 'port', 'tls', 'added'],
    domains.map((d) => [d.host, d.pathPrefix, d.port, tlsCell(d.tls, d.https), d.automatic ? 'automatic (base domain)' : shortDate(d.createdAt)]),
  );
}

async function list(ctx: CliContext, [service]: string[], opts: ServiceOptions): Promise<void> {
  const scope = await ctx.scope(opts);
  const domains: ListedDomain[] = await ctx.client().listDomains(scope, service!);
  ctx.out.result(domains, (ds) => (ds.length ? domainTable(ds) : `${service} has no domains: add one with \`berth domains add ${service} <host> --project ${scope.project}\`.`));
}

async function add(ctx: CliContext, [service, host]: string[], opts: DomainOptions): Promise<void> {
  const scope = await ctx.scope(opts);
  const domain = await ctx.client().addDomain(scope, service!, { host: host!, ...(opts.path !== undefined ? { pathPrefix: opts.path } : {}), ...(opts.port !== undefined ? { port: opts.port } : {}) });
  ctx.out.result(domain, (d) => `Routing ${where(d)} to ${service} on port ${d.port}.`);
}

async function remove(ctx: CliContext, [service, host]: string[], opts: DomainOptions): Promise<void> {
  const scope = await ctx.scope(opts);
  const client = ctx.client();
  const domain = findDomain(await client.listDomains(scope, service!), service!, host!, opts.path);
  await client.removeDomain(scope, service!, domain.id!);
  ctx.out.result({ ok: true, removed: domain }, () => `Stopped routing ${where(domain)} to ${service}.`);
}

interface WebhookOptions extends ServiceOptions {
  rotate?: boolean;
  watch?: string[];
  clearWatch?: boolean;
}

async function webhook(ctx: CliContext, [service]: string[], opts: WebhookOptions): Promise<void> {
  if (opts.watch && opts.clearWatch) throw new CliError('choose --watch or --clear-watch, not both');
  const scope = await ctx.scope(opts);
  const client = ctx.client();
  const watchPaths = opts.clearWatch ? [] : opts.watch;
  const hook: Webhook = opts.rotate || watchPaths ? await client.updateWebhook(scope, service!, { ...(opts.rotate ? { rotate: true } : {}), ...(watchPaths ? { watchPaths } : {}) }) : await client.getWebhook(scope, service!);
  const url = client.url + hook.path;
  ctx.out.result({ ...hook, url }, (h) => [
    `URL:            ${clean(h.url)}`,
    `Secret:         ${clean(h.secret)}`,
    `Watch paths:    ${h.watchPaths.length ? h.watchPaths.map(clean).join(', ') : 'none (every push deploys)'}`,
    `Last delivery:  ${h.lastDeliveryAt ? ago(h.lastDeliveryAt) : 'never'}`,
    ...(opts.rotate ? ['', 'Rotated: the old URL and secret no longer work; update the git host.'] : []),
    '',
    "Add it as the repository's push webhook (GitHub, GitLab, Gitea, Bitbucket, or any sender signing with the secret).",
  ]);
}

export function registerDomainCommands(program: Command, act: Act): void {
  const domains = program
    .command('domains')
    .description('Domains (host + path) routed to a service; `berth domains <service>` lists them')
    .addHelpText('after', '\nA service named like a subcommand is listed with `berth domains list <service>`.');

  serviceScopeOptions(
    domains
      .command('list', { isDefault: true })
      .alias('ls')
      .description("List a service's domains, the automatic one under the base domain included")
      .argument('<service>', 'service name'),
  )
    .addHelpText('after', '\nExample:\n  berth domains web --project shop')
    .action(act<ServiceOptions>(list));

  serviceScopeOptions(
    domains
      .command('add')
      .description('Route a host (and optionally only a path prefix) to a service')
      .argument('<service>', 'service name')
      .argument('<host>', 'host name, e.g. shop.example.com'),
  )
    .option('--path <prefix>', 'only requests under this path prefix, e.g. /api (default /)')
    .option('--port <n>', "the service's port to send requests to (default: the service's port)", integer(1, 65535))
    .addHelpText('after', '\nThe proxy is updated at once: this needs the ingress running.\n\nExample:\n  berth domains add web shop.example.com --path /api --project shop')
    .action(act<DomainOptions>(add));

  serviceScopeOptions(
    domains
      .command('remove')
      .alias('rm')
      .description('Stop routing a host (and path prefix) to a service')
      .argument('<service>', 'service name')
      .argument('<host>', 'host name'),
  )
    .option('--path <prefix>', 'which path prefix, when the host routes several')
    .addHelpText('after', '\nExample:\n  berth domains remove web shop.example.com --path /api --project shop')
    .action(act<DomainOptions>(remove));

  registerDomainTlsCommand(domains, act);

  serviceScopeOptions(
    program
      .command('webhook')
      .description("Show a service's push webhook (URL and secret), rotate them, or set the paths that trigger deploys")
      .argument('<service>', 'service name'),
  )
    .option('--rotate', 'replace the URL and secret (the old ones stop working)')
    .option('--watch <glob>', 'deploy only when a push changes a matching file (repeatable; replaces the list), e.g. src/**', collect)
    .option('--clear-watch', 'deploy on every push again')
    .addHelpText('after', '\nThe secret is shown in clear: the webhook needs the service.write permission.\n\nExamples:\n  berth webhook web --project shop\n  berth webhook web --project shop --watch "src/**" --watch Dockerfile')
    .action(act<WebhookOptions>(webhook));
}
