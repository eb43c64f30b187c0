// The `berth` executable: `berth server` runs the control plane; every other command is the CLI client.
import { runCli } from './cli/program.ts';

process.exitCode = await runCli(process.argv.slice(2));
