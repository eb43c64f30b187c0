// The adapter from the databases room's runtime (DatabaseRuntime.open) to what backups need: engine,
// version, credentials, the running container and the exact image it runs.
import type { ContainerGateway } from '../../infra/docker/containers.ts';
import type { DatabaseHandle } from '../databases/job.ts';
import type { DatabaseResolver } from './subjects.ts';

export function runtimeDatabaseResolver(open: (serviceId: string) => Promise<DatabaseHandle>, containers: ContainerGateway): DatabaseResolver {
  return {
    async resolve(serviceId) {
      const h = await open(serviceId);
      const containerId = await h.runningContainerId();
      const image = await containers.containerImage(containerId).catch(() => h.image);
      return { serviceId, engine: h.engine, version: h.spec.version, credentials: h.credentials, containerId, image };
    },
  };
}
