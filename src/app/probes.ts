// Health probes backed by the real gateways: the Docker engine and Swarm, and the ingress proxy.
import type { ComponentHealth, HealthProbes } from '../core/system/health.ts';
import type { DockerGateway } from '../infra/docker/index.ts';

export function gatewayProbes(opts: { docker: DockerGateway; proxy: () => Promise<ComponentHealth> }): HealthProbes {
  return {
    async docker() {
      const info = await opts.docker.info();
      const s = info.swarm;
      return {
        ok: true,
        detail: `Docker ${info.serverVersion} (API ${info.apiVersion})`,
        swarm: {
          ok: s.state === 'active' && s.isManager,
          detail: s.state === 'active' ? `${s.isManager ? 'manager' : 'worker'}, ${s.nodes} node(s), ${s.managers} manager(s)` : `swarm is ${s.state}`,
          nodes: s.nodes,
        },
      };
    },
    proxy: opts.proxy,
  };
}
