// Pure planner: the Swarm service spec of the Caddy proxy. One replica pinned to the node whose
// filesystem holds the admin-socket directory (the control plane reaches the admin API only through
// that bind mount); ports published in host mode (no routing mesh on kernels without IPVS, and it keeps
// client addresses); endpoint mode dnsrr (no VIP). Caddy starts from the config file Berth keeps in
// that directory, so a restarted task serves the last routes even while the control plane is down.
// Must never do I/O, and never publish through Swarm's ingress mesh.
import type { Labels, ServiceSpec } from '../infra/docker/index.ts';
import { CADDY_HTTP_PORT } from './caddy.ts';

const NS = 1_000_000_000;

/** Inside the container: the bind-mounted directory, its socket and the startup config. */
export const CADDY_RUN_DIR = '/run/caddy';
export const CADDY_STARTUP_CONFIG = `${CADDY_RUN_DIR}/caddy.json`;
export const CADDY_HTTPS_PORT = 443;

export const PROXY_SERVICE_NAME = 'berth-proxy';

export interface ProxyServiceInput {
  /** Default PROXY_SERVICE_NAME. */
  name?: string;
  /** `caddy:2` in production; any image with `caddy` (2.6+) on its PATH. */
  image: string;
  /** Host directory bind-mounted at CADDY_RUN_DIR (admin socket + startup config). */
  adminSocketDir: string;
  /** Host ports (published in host mode) for HTTP and HTTPS. */
  ports: { http: number; https: number };
  /** The Swarm node ID whose filesystem holds `adminSocketDir`. */
  nodeId: string;
  network: string;
  /** `<prefix>.*` labels: kind, test markers. */
  labels: Labels;
}

export function planProxyService(input: ProxyServiceInput): ServiceSpec {
  return {
    Name: input.name ?? PROXY_SERVICE_NAME,
    Labels: input.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: input.image,
        Command: ['caddy', 'run', '--config', CADDY_STARTUP_CONFIG],
        Mounts: [{ Type: 'bind', Source: input.adminSocketDir, Target: CADDY_RUN_DIR }],
        StopGracePeriod: 10 * NS,
      },
      RestartPolicy: { Condition: 'any', Delay: 1 * NS, MaxAttempts: 0 },
      Placement: { Constraints: [`node.id==${input.nodeId}`] },
      Networks: [{ Target: input.network }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    // Host-mode ports cannot be held by two tasks on one node: the old task must stop first.
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback', Monitor: 5 * NS },
    EndpointSpec: {
      Mode: 'dnsrr',
      Ports: [
        { Protocol: 'tcp', TargetPort: CADDY_HTTP_PORT, PublishedPort: input.ports.http, PublishMode: 'host' },
        { Protocol: 'tcp', TargetPort: CADDY_HTTPS_PORT, PublishedPort: input.ports.https, PublishMode: 'host' },
      ],
    },
  };
}
