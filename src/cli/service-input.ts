// Pure translation of `berth service create` options into the API's request body. It checks only
// what the command line itself could get wrong (KEY=VALUE syntax, a source given twice); names,
// image references and git URLs are the server's to validate.
import { InvalidArgumentError } from 'commander';
import type { NewService, Service } from './api-client.ts';
import type { Env } from './credentials.ts';
import { CliError } from './errors.ts';

export interface ServiceCreateOptions {
  image?: string;
  git?: string;
  ref?: string;
  port?: number;
  replicas?: number;
  envVar?: string[];
  secret?: string[];
}

/** `KEY=VALUE`, or a bare `KEY` whose value is taken from the CLI's own environment (keeps it out of argv). */
export function parseAssignment(raw: string, env: Env, flag: string): { key: string; value: string } {
  const eq = raw.indexOf('=');
  if (eq === 0) throw new CliError(`${flag} "${raw}": expected KEY=VALUE`);
  if (eq > 0) return { key: raw.slice(0, eq), value: raw.slice(eq + 1) };
  const value = env[raw];
  if (value === undefined) throw new CliError(`${flag} ${raw}: expected KEY=VALUE, or KEY with ${raw} set in the environment`);
  return { key: raw, value };
}

/** Commander argument parser for a whole number within bounds. */
export function integer(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** Commander collector for a repeatable option. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function serviceBody(name: string, opts: ServiceCreateOptions, env: Env): NewService {
  if (opts.image && opts.git) throw new CliError('choose one source: --image or --git, not both');
  if (opts.ref && !opts.git) throw new CliError('--ref needs --git');
  const spec: Record<string, unknown> = {};
  if (opts.image) spec.source = { type: 'image', image: opts.image };
  if (opts.git) spec.source = { type: 'git', repository: opts.git, ...(opts.ref ? { ref: opts.ref } : {}) };
  if (opts.port !== undefined) spec.port = opts.port;
  if (opts.replicas !== undefined) spec.replicas = opts.replicas;

  const vars = [
    ...(opts.envVar ?? []).map((raw) => ({ ...parseAssignment(raw, env, '--env-var'), secret: false })),
    ...(opts.secret ?? []).map((raw) => ({ ...parseAssignment(raw, env, '--secret'), secret: true })),
  ];
  const seen = new Set<string>();
  for (const v of vars) {
    if (seen.has(v.key)) throw new CliError(`${v.key} is given more than once`);
    seen.add(v.key);
  }
  return { name, kind: 'app', spec, env: vars };
}

/** One word for where a service's code comes from, for tables. */
export function describeSource(spec: Service['spec']): string {
  const source = spec.source as { type?: string; image?: string; repository?: string; ref?: string } | undefined;
  if (source?.type === 'image') return source.image ?? '-';
  if (source?.type === 'git') return `${source.repository ?? '?'}#${source.ref ?? 'main'}`;
  return '-';
}
