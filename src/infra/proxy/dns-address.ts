// Where Berth's DNS server for upstream names should listen so the proxy's container reaches it: on a
// single node, the host's side of docker_gwbridge (every Swarm task with an overlay network also has an
// interface on that bridge; its gateway is the host). Multi-node: a proxy on another node would reach
// its own node's gwbridge, where no Berth listens — a later cluster issue runs the DNS server as a
// global service beside each proxy.
// Must never talk to the Engine API itself (only through the Docker gateway), or guess an address.
import type { DockerGateway } from '../docker/index.ts';
import { ProxyUnavailable } from './errors.ts';

export const GWBRIDGE_NETWORK = 'docker_gwbridge';

/** The docker_gwbridge gateway IP (e.g. `172.18.0.1`); ProxyUnavailable when this node has none yet. */
export async function proxyDnsHost(docker: DockerGateway): Promise<string> {
  const gateway = await docker.networkGateway(GWBRIDGE_NETWORK);
  if (!gateway) {
    throw new ProxyUnavailable(`network ${GWBRIDGE_NETWORK} has no IPv4 gateway: is this node part of a Swarm?`);
  }
  return gateway;
}
