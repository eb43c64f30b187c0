// Health probes for API tests: the real Docker gateway (the test bed runs dockerd + Swarm); no proxy.
import { gatewayProbes } from '../../src/app/probes.ts';
import type { HealthProbes } from '../../src/core/system/health.ts';
import { DockerGateway } from '../../src/infra/docker/index.ts';

export function testProbes(): HealthProbes {
  return gatewayProbes({
    docker: new DockerGateway({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' }),
    proxy: async () => ({ ok: false, detail: 'not started in API tests' }),
  });
}
