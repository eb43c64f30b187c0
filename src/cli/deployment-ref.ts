// A deployment named on the command line: its full id, or the first characters of it (as tables show
// them), resolved against the service's recent deployments.
import type { ApiClient, Deployment, ServiceScope } from './api-client.ts';
import { CliError } from './errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PREFIX = /^[0-9a-f][0-9a-f-]{3,35}$/i;
/** How many recent deployments a prefix is looked up in (the most the API lists). */
export const PREFIX_SEARCH_LIMIT = 200;

export const isFullId = (raw: string): boolean => UUID.test(raw);

function checkSyntax(raw: string): string {
  if (!PREFIX.test(raw)) throw new CliError(`"${raw}" is not a deployment id: give the id, or at least its first 4 characters`);
  return raw.toLowerCase();
}

/** The one deployment in `recent` whose id starts with `raw`; a clear error for none or several. */
export function pickDeployment(raw: string, recent: readonly Pick<Deployment, 'id'>[], service: string): string {
  const prefix = checkSyntax(raw);
  const matches = recent.filter((d) => d.id.startsWith(prefix));
  if (matches.length === 1) return matches[0]!.id;
  if (!matches.length) throw new CliError(`no deployment of ${service} has an id starting with "${raw}" (looked in its last ${PREFIX_SEARCH_LIMIT}; see \`berth deployments ${service}\`)`);
  throw new CliError(`"${raw}" matches ${matches.length} deployments of ${service}: give more of the id`);
}

/** A full id as it is; a prefix looked up among the service's recent deployments. */
export async function resolveDeployment(client: ApiClient, scope: ServiceScope, service: string, raw: string): Promise<string> {
  if (isFullId(raw)) return raw.toLowerCase();
  checkSyntax(raw); // no request for something that cannot be an id
  return pickDeployment(raw, await client.listDeployments(scope, service, PREFIX_SEARCH_LIMIT), service);
}
