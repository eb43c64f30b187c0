// Test clean-up of Swarm objects: a network can only go once the removed services' tasks are gone,
// which Swarm does in the background, so retry for a bounded while; and the usual clean-up after a test
// that deployed apps.
import type pg from 'pg';
import type { DockerGateway } from '../../src/infra/docker/index.ts';
import { projectNetworkName } from '../../src/plan/app-service.ts';

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

/**
 * After a test that deployed apps: removes the Swarm services of every service row in `pool`'s database,
 * then the named proxy services (if they exist), then every project's network (as far as it goes).
 */
export async function removeDeployedApps(docker: DockerGateway, pool: pg.Pool, proxies: string[] = []): Promise<void> {
  for (const { id } of (await pool.query<{ id: string }>('SELECT id FROM services')).rows) {
    for (const s of await docker.listServices({ labels: { 'berth.service': id } })) await docker.removeService(s.name);
  }
  for (const name of proxies) await docker.removeService(name).catch(() => undefined);
  for (const { id } of (await pool.query<{ id: string }>('SELECT id FROM projects')).rows) {
    await removeNetworkEventually(docker, projectNetworkName(id)).catch(() => undefined);
  }
}
