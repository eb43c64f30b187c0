// Health probes backed by the real gateways. The proxy probe reports "not configured" until the
// ingress (Caddy driven by the control plane) is set up.
import type { HealthProbes } from '../core/system/health.ts';
import type { DockerGateway } from '../infra/docker/index.ts';

export function gatewayProbes(opts: { docker: DockerGateway }): HealthProbes {
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
    async proxy() {
      return { ok: false, detail: 'not configured: the ingress is not set up yet' };
    },
  };
}
