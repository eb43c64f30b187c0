// The options every command about one service shares (--project, --env), and the command lines the
// CLI suggests for that service (to follow or cancel a deployment) with the same flags.
import type { Command } from 'commander';
import type { ServiceScope } from './api-client.ts';

export const DEFAULT_ENV = 'production';

/** Adds --project (required) and --env (default production). */
export function serviceScopeOptions(cmd: Command): Command {
  return cmd.requiredOption('--project <name>', 'project of the service').option('--env <name>', 'environment', DEFAULT_ENV);
}

/** `--project shop`, plus `--env` and `--org` when they are not what the CLI would pick by itself. */
export function scopeFlags(scope: ServiceScope, opts: { orgGiven: boolean }): string {
  return [`--project ${scope.project}`, ...(scope.env !== DEFAULT_ENV ? [`--env ${scope.env}`] : []), ...(opts.orgGiven ? [`--org ${scope.org}`] : [])].join(' ');
}

export interface Suggestions {
  cancel(id: string): string;
  followLog(id: string): string;
}

export function suggestions(service: string, scope: ServiceScope, opts: { orgGiven: boolean }): Suggestions {
  const flags = scopeFlags(scope, opts);
  return {
    cancel: (id) => `berth cancel ${id} --service ${service} ${flags}`,
    followLog: (id) => `berth logs ${service} --deployment ${id} -f ${flags}`,
  };
}
