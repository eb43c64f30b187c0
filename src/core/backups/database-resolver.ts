// The adapter from the databases room's runtime (DatabaseRuntime.open) to what backups need: engine,
// version, credentials, the running container and the exact image (and version) it runs.
import type { ContainerGateway } from '../../infra/docker/containers.ts';
import type { DatabaseHandle } from '../databases/job.ts';
import type { DatabaseResolver } from './subjects.ts';

export function runtimeDatabaseResolver(open: (serviceId: string) => Promise<DatabaseHandle>, containers: ContainerGateway): DatabaseResolver {
  return {
    async resolve(serviceId) {
      const h = await open(serviceId);
      const containerId = await h.runningContainerId();
      // What the container runs: during a version change the spec already names the next version.
      const running = await containers.containerInfo(containerId).catch(() => undefined);
      const version = running?.labels['berth.database.version'] ?? h.spec.version;
      return { serviceId, engine: h.engine, version, credentials: h.credentials, containerId, image: running?.image ?? h.image };
    },
  };
}
