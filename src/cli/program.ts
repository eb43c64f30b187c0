// The `berth` command line: `berth server` runs the control plane; every other command is a thin
// client of the HTTP API (api-client.ts). This file wires commander, the global options and the
// mapping of failures to exit codes (errors.ts); each command group lives in commands/.
import { Command, CommanderError } from 'commander';
import { actionFactory, type RunState } from './action.ts';
import { registerAuthCommands } from './commands/auth.ts';
import { registerBackupCommands } from './commands/backups.ts';
import { registerDatabaseCommands } from './commands/databases.ts';
import { registerDeployCommands } from './commands/deploys.ts';
import { registerDnsProviderCommands } from './commands/dns-providers.ts';
import { registerDomainCommands } from './commands/domains.ts';
import { registerLogCommands } from './commands/logs.ts';
import { registerProjectCommands } from './commands/projects.ts';
import { registerServiceCommands } from './commands/services.ts';
import { registerSettingsCommands } from './commands/settings.ts';
import { registerSslCommands } from './commands/ssl.ts';
import { registerUserCommands } from './commands/users.ts';
import type { CliIo } from './context.ts';
import { EXIT } from './errors.ts';
import { renderError } from './output.ts';
import { CLI_VERSION } from './version.ts';

export type { CliIo } from './context.ts';

const defaultIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
  onInterrupt: (handler) => {
    process.once('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
});

export function buildProgram(io: CliIo, state: RunState): Command {
  const act = actionFactory(io, state);
  const program = new Command('berth')
    .description('Berth: a self-hosted platform-as-a-service on Docker Swarm')
    .option('--json', 'print machine-readable JSON (errors too, on stderr)')
    .option('--org <name>', 'organisation to act in (default: BERTH_ORG, the saved one, else your only one)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  registerAuthCommands(program, act);
  registerProjectCommands(program, act);
  registerServiceCommands(program, act);
  registerDatabaseCommands(program, act);
  registerBackupCommands(program, act);
  registerDeployCommands(program, act);
  registerLogCommands(program, act);
  registerDomainCommands(program, act);
  registerSettingsCommands(program, act);
  registerSslCommands(program, act);
  registerDnsProviderCommands(program, act);
  registerUserCommands(program, act);

  program
    .command('server')
    .description('Run the control plane (HTTP API, dashboard, job workers) until SIGTERM or SIGINT')
    .addHelpText('after', '\nConfigured by environment variables (BERTH_PORT, BERTH_DATA_DIR, DATABASE_URL, …): see the README.')
    .action(async () => {
      // Loaded on demand: the client commands never pay for the server's modules.
      const { runServer } = await import('./server-command.ts');
      state.exitCode = await runServer();
    });

  program
    .command('version')
    .description('Print the version of this CLI')
    .action(
      act(async (ctx) => {
        ctx.out.result({ version: CLI_VERSION, node: process.version }, (v) => `berth ${v.version} (node ${v.node})`);
      }),
    );

  return program;
}

/** Runs one command line; resolves to the process exit code. Never throws for an expected error. */
export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const state: RunState = { exitCode: EXIT.ok, json: argv.includes('--json') };
  try {
    await buildProgram(io, state).parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    // Commander has already printed its own message (usage errors) or the help text.
    if (err instanceof CommanderError) return err.exitCode;
    const rendered = renderError(err, { json: state.json, debug: Boolean(io.env.BERTH_DEBUG) });
    io.stderr.write(rendered.text);
    return rendered.exitCode;
  }
}
