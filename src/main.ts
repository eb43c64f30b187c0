// The `berth` executable: `berth server` runs the control plane; every other command is the CLI client.
// `berth dns` is internal: the control plane starts it (see app/dns-process.ts).
import { parseArgs } from 'node:util';

const argv = process.argv.slice(2);
if (argv[0] === 'dns') {
  const { values } = parseArgs({ args: argv.slice(1), options: { host: { type: 'string' }, port: { type: 'string' }, records: { type: 'string' } } });
  if (!values.host || !values.port || !values.records) {
    process.stderr.write('usage: berth dns --host <ipv4> --port <port> --records <file> (started by berth server)\n');
    process.exitCode = 2;
  } else {
    const { runDnsProcess } = await import('./infra/dns/process.ts');
    await runDnsProcess({ host: values.host, port: Number(values.port), recordsFile: values.records });
  }
} else if (argv.length === 1 && argv[0] === 'server') {
  // The control plane skips the client commands and commander (less to keep resident); `berth server --help`
  // and the like still go through the CLI below. A failed boot is reported as the CLI reports errors.
  const [{ runServer }, { renderError }] = await Promise.all([import('./cli/server-command.ts'), import('./cli/output.ts')]);
  process.exitCode = await runServer().catch((err: unknown) => {
    const rendered = renderError(err, { json: false, debug: Boolean(process.env.BERTH_DEBUG) });
    process.stderr.write(rendered.text);
    return rendered.exitCode;
  });
} else {
  const { runCli } = await import('./cli/program.ts');
  process.exitCode = await runCli(argv);
}
