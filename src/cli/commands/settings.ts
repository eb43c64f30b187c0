// berth config get / set / unset: the instance settings (PATCH /api/settings), not the CLI's login.
import type { Command } from 'commander';
import type { Act } from '../action.ts';
import type { InstanceSettings } from '../api-client.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { table } from '../output.ts';

const KEYS = ['domain'] as const satisfies readonly (keyof InstanceSettings)[];
type Key = (typeof KEYS)[number];

function settingKey(raw: string): Key {
  if ((KEYS as readonly string[]).includes(raw)) return raw as Key;
  throw new CliError(`unknown setting "${raw}": expected one of ${KEYS.join(', ')}`);
}

const show = (s: InstanceSettings, keys: readonly Key[] = KEYS) => table(['setting', 'value'], keys.map((k) => [k, s[k] ?? '(not set)']));

async function get(ctx: CliContext, [key]: string[]): Promise<void> {
  const keys = key ? [settingKey(key)] : KEYS;
  const settings = await ctx.client().getSettings();
  ctx.out.result(settings, (s) => show(s, keys));
}

async function set(ctx: CliContext, [key, value]: string[]): Promise<void> {
  const k = settingKey(key!);
  const settings = await ctx.client().updateSettings({ [k]: value! });
  ctx.out.result(settings, (s) => `Set ${k} to ${s[k] ?? '(not set)'}.`);
}

async function unset(ctx: CliContext, [key]: string[]): Promise<void> {
  const k = settingKey(key!);
  const settings = await ctx.client().updateSettings({ [k]: null });
  ctx.out.result(settings, () => `Unset ${k}.`);
}

export function registerSettingsCommands(program: Command, act: Act): void {
  const config = program
    .command('config')
    .description(`Instance settings (${KEYS.join(', ')}); changing them needs an instance administrator`);

  config
    .command('get')
    .description('Show the instance settings, or one of them')
    .argument('[key]', `one of ${KEYS.join(', ')}`)
    .addHelpText('after', '\nExample:\n  berth config get domain')
    .action(act(get));

  config
    .command('set')
    .description('Change an instance setting')
    .argument('<key>', `one of ${KEYS.join(', ')}`)
    .argument('<value>', 'the new value')
    .addHelpText('after', '\ndomain: the base domain; web services get <service>-<project>.<domain>.\n\nExample:\n  berth config set domain apps.example.com')
    .action(act(set));

  config
    .command('unset')
    .description('Clear an instance setting')
    .argument('<key>', `one of ${KEYS.join(', ')}`)
    .addHelpText('after', '\nExample:\n  berth config unset domain')
    .action(act(unset));
}
