// Glue between commander and the command modules: every action gets a CliContext built from the
// invocation's streams and global options, its positional arguments, and its own options.
import type { Command } from 'commander';
import { CliContext, type CliIo, type GlobalOptions } from './context.ts';

export type ActionFn<O> = (ctx: CliContext, args: string[], opts: O) => Promise<void>;
export type Act = <O = Record<string, never>>(fn: ActionFn<O>) => (...all: unknown[]) => Promise<void>;

/** The state one run shares with its actions: the exit code and whether --json applies to errors. */
export interface RunState {
  exitCode: number;
  json: boolean;
}

export function actionFactory(io: CliIo, state: RunState): Act {
  return <O>(fn: ActionFn<O>) =>
    async (...all: unknown[]) => {
      const command = all[all.length - 1] as Command;
      const args = all.slice(0, -2).flat().filter((a): a is string => typeof a === 'string');
      const globals = command.optsWithGlobals<GlobalOptions>();
      state.json = Boolean(globals.json);
      const ctx = new CliContext(io, globals);
      await fn(ctx, args, command.opts<O & Record<string, unknown>>());
      state.exitCode = ctx.exitCode;
    };
}
