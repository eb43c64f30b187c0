// Berth's DNS server for upstream names: a UDP server whose answers the control plane sets, so Caddy's
// `dynamic_upstreams` follow a release switch without a config reload. Bind address and port are options:
// on a single node it listens on the host's docker_gwbridge gateway IP (infra/proxy/dns-address.ts),
// which every Swarm task container can reach. Multi-node: each proxy must reach one such server; a
// later cluster issue runs it as a global service beside the proxy. While it is down Caddy answers 503
// (it keeps no last answer), so it must stay up while the control plane runs.
// With `stateFile`, every change is snapshotted (write, then rename) and restored by `start()`, so a
// restarted control plane answers with the last published addresses at once, before it reconciles.
// Must never answer an empty A set for a known name, block the event loop on a query, or listen on an
// address it was not given.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { Invalid } from '../../core/errors.ts';
import { respond } from './answers.ts';
import { RecordStore } from './records.ts';

export interface DnsServerOptions {
  /** IPv4 address to bind, e.g. the docker_gwbridge gateway `172.18.0.1`, or `127.0.0.1` in tests. */
  host: string;
  /** UDP port; 0 picks a free one (read it back from `address()`). Default DEFAULT_DNS_PORT. */
  port?: number;
  /** Told about socket errors after start (a failed bind rejects `start()` instead). */
  onError?: (err: Error) => void;
  /** Where the records are snapshotted on every change and restored from at start (0600). */
  stateFile?: string;
}

/** Not 53: no privilege needed, and no clash with a resolver already on the host. */
export const DEFAULT_DNS_PORT = 5300;

export interface DnsAddress {
  host: string;
  port: number;
}

export class DnsServer {
  private records = new RecordStore();
  private readonly options: DnsServerOptions;
  private socket: Socket | undefined;

  constructor(options: DnsServerOptions) {
    if (!isIPv4(options.host)) throw new Invalid([{ path: 'host', message: `expected an IPv4 address, got "${options.host}"` }]);
    this.options = options;
  }

  async start(): Promise<DnsAddress> {
    if (this.socket) return this.address();
    this.restore();
    const socket = createSocket({ type: 'udp4' });
    socket.on('message', (message, remote) => {
      const response = respond(message, (name) => this.records.get(name));
      if (response) socket.send(response, remote.port, remote.address);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.options.host, port: this.options.port ?? DEFAULT_DNS_PORT, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.options.onError?.(err));
    this.socket = socket;
    return this.address();
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** The bound address; throws before `start()`. */
  address(): DnsAddress {
    if (!this.socket) throw new Error('DNS server is not started');
    const { address, port } = this.socket.address();
    return { host: address, port };
  }

  /** How Caddy names this server in `dynamic_upstreams.resolver.addresses`. */
  resolverAddress(): string {
    const { host, port } = this.address();
    return `udp/${host}:${port}`;
  }

  /** Answer A queries for `name` with exactly these addresses from now on. Refuses an empty set. */
  setRecords(name: string, ipv4s: readonly string[]): void {
    this.records.set(name, ipv4s);
    this.snapshot();
  }

  /** Forget `name`: queries get NXDOMAIN. Only for a name no route uses any more. */
  removeRecords(name: string): boolean {
    const removed = this.records.remove(name);
    if (removed) this.snapshot();
    return removed;
  }

  /** Replaces every answer at once (the `berth dns` process, when the control plane rewrote the file). */
  replaceRecords(store: RecordStore): void {
    this.records = store;
  }

  /** The current answer for `name`, or undefined. */
  lookup(name: string): readonly string[] | undefined {
    return this.records.get(name);
  }

  /** Synchronous on purpose: a change is rare (a deploy) and must be on disk before the caller goes on. */
  private snapshot(): void {
    const file = this.options.stateFile;
    if (!file) return;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.records.toJSON(), null, 2) + '\n', { mode: 0o600 });
    renameSync(temporary, file);
  }

  /** Records set before start() win over the snapshot (they are newer). */
  private restore(): void {
    const file = this.options.stateFile;
    if (!file) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const restored = RecordStore.fromJSON(JSON.parse(text));
    for (const name of this.records.names()) restored.set(name, this.records.get(name) ?? []);
    this.records = restored;
  }
}
