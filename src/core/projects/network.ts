// A project's overlay network `berth-p-<project id 12>`: every app release and database of the project
// joins it (service names resolve there). Created on first use by the deploy pipeline and the database
// job, removed when the project is deleted (core/teardown).
import type { DockerGateway } from '../../infra/docker/index.ts';
import { projectNetworkName, projectSubnet } from '../../plan/app-service.ts';

/** Subnet blocks tried after the derived one when another network already has it. */
const SUBNET_ATTEMPTS = 64;

/** The project's overlay network, on its derived subnet (the next free block if another network has it). */
export async function ensureProjectNetwork(docker: DockerGateway, projectId: string): Promise<void> {
  const name = projectNetworkName(projectId);
  const existing = await docker.networkGateway(name);
  let attempt = 0;
  if (!existing) {
    const used = await docker.usedSubnets();
    while (used.has(projectSubnet(projectId, attempt)) && attempt < SUBNET_ATTEMPTS) attempt++;
  }
  await docker.ensureNetwork({
    name,
    attachable: true,
    labels: { 'berth.project': projectId },
    // An existing network keeps whatever subnet it has: only a new one gets a derived block.
    ...(existing ? {} : { subnet: projectSubnet(projectId, attempt) }),
  });
}
