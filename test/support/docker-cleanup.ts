// Test clean-up of Swarm objects: a network can only go once the removed services' tasks are gone,
// which Swarm does in the background, so retry for a bounded while.
import type { DockerGateway } from '../../src/infra/docker/index.ts';

export async function removeNetworkEventually(docker: DockerGateway, name: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await docker.removeNetwork(name);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
