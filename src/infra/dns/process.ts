// `berth dns`: the DNS server for upstream names as its own small process, started (detached) by the
// control plane and adopted by the next one. It answers from the records file and reloads it whenever
// the control plane rewrites it, so it keeps serving through control-plane restarts and crashes.
// Writes `<dir>/dns.json` ({pid, host, port}) once it listens. Must never exit because the file is
// briefly missing or malformed: it keeps the last good answers.
import { watch, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DnsServer } from './server.ts';
import { readRecordsFile } from './records-file.ts';

export interface DnsProcessOptions {
  host: string;
  port: number;
  recordsFile: string;
  log?: (line: string) => void;
}

export async function runDnsProcess(opts: DnsProcessOptions): Promise<void> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} berth-dns: ${line}\n`));
  const server = new DnsServer({ host: opts.host, port: opts.port, onError: (err) => log(`socket error: ${err.message}`) });
  const reload = () => {
    try {
      server.replaceRecords(readRecordsFile(opts.recordsFile));
    } catch (err) {
      log(`keeping the last answers: cannot read ${opts.recordsFile}: ${(err as Error).message}`);
    }
  };
  reload();
  const address = await server.start();
  const dir = dirname(opts.recordsFile);
  const info = join(dir, 'dns.json');
  writeFileSync(`${info}.tmp`, JSON.stringify({ pid: process.pid, ...address }) + '\n', { mode: 0o600 });
  renameSync(`${info}.tmp`, info);
  log(`answering on udp/${address.host}:${address.port} from ${opts.recordsFile}`);
  // The file is replaced by rename: watch the directory, and poll as a fallback.
  watch(dir, (_event, name) => {
    if (name === null || String(name) === 'records.json') reload();
  });
  setInterval(reload, 1000);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  await server.stop();
}
