// The control plane's own domain through the proxy: a TCP relay on the docker_gwbridge gateway (where the
// proxy's container reaches the host, like the DNS and the HTTP-01 listener) to the API's own address.
// Needed because the API may listen on loopback only (BERTH_HOST=127.0.0.1), which a container cannot
// reach. Must never relay anywhere but the API's configured port, and never listen beyond the gateway.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface ForwarderTarget {
  host: string;
  port: number;
}

/** Where the API listens as a relay on this host can reach it (an all-interfaces bind is reached on loopback). */
export function apiTarget(config: { BERTH_HOST: string; BERTH_PORT: number }): ForwarderTarget {
  const host = config.BERTH_HOST === '0.0.0.0' || config.BERTH_HOST === '::' ? '127.0.0.1' : config.BERTH_HOST;
  return { host, port: config.BERTH_PORT };
}

export interface Forwarder {
  port: number;
  /** Stops listening and cuts every relayed connection. */
  close(): Promise<void>;
}

/** Listens on `listenHost` (any free port) and relays every connection to `target`. */
export async function startForwarder(listenHost: string, target: ForwarderTarget): Promise<Forwarder> {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    open.add(client).add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, listenHost, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
