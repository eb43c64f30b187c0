// Pure planner: a database service (engine, version, credentials, resources) → its Swarm service spec.
// One Swarm service per database (`db-<service>`), one replica, its data in a named volume, attached to
// its project's overlay network only — never to berth-ingress, so other projects' containers cannot
// reach it. Databases are not zero-downtime: updates are stop-first (two servers must never share a
// data directory) with a grace period for a clean shutdown.
// No I/O here; the exact output is snapshot-tested for every engine (plan/database-service.test.ts).
import type { DatabaseCredentials, DatabaseEngine } from '../core/databases/engine.ts';
import type { ServiceSpec } from '../infra/docker/index.ts';
import { projectNetworkName } from './app-service.ts';

const NS = 1_000_000_000;
const compact = (uuid: string, n: number) => uuid.replaceAll('-', '').slice(0, n);

/** The Swarm service name of a database: also its DNS name on the project network. */
export function databaseServiceName(serviceId: string): string {
  return `db-${compact(serviceId, 12)}`;
}

/** The named volume holding a database's data directory. */
export function databaseVolumeName(serviceId: string): string {
  return `berth-db-${compact(serviceId, 12)}`;
}

export interface DatabaseResources {
  cpus?: number | undefined;
  memoryMb?: number | undefined;
}

export interface DatabaseReleaseInput {
  service: { id: string; name: string; projectId: string; orgId: string; environmentId: string };
  engine: DatabaseEngine;
  version: string;
  /** The image reference to run (engine default, renamed by BERTH_DATABASE_IMAGES). */
  image: string;
  credentials: DatabaseCredentials;
  resources: DatabaseResources;
  /** Published on the node in host mode; undefined = reachable only on the project network. */
  externalPort?: number | undefined;
  stopGracePeriodSeconds: number;
  /** False = stopped: the service stays (volume, spec) with zero replicas. */
  running: boolean;
  /**
   * The Swarm node holding the database's volume: a local volume does not follow a task to another
   * node, so the database is pinned where its data is.
   */
  nodeId?: string | undefined;
}

export function planDatabaseService(input: DatabaseReleaseInput): ServiceSpec {
  const { service, engine, credentials: c } = input;
  const labels = {
    'berth.service': service.id,
    'berth.project': service.projectId,
    'berth.org': service.orgId,
    'berth.kind': 'database',
    'berth.database.engine': engine.id,
    'berth.database.version': input.version,
  };
  const r = input.resources;
  const args = engine.command?.(c);
  return {
    Name: databaseServiceName(service.id),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: input.image,
        // Args, not Command: the image's entrypoint (first-start initialisation) still runs.
        ...(args ? { Args: args } : {}),
        Env: Object.entries(engine.containerEnv(c))
          .map(([k, v]) => `${k}=${v}`)
          .sort(),
        Labels: labels,
        StopGracePeriod: input.stopGracePeriodSeconds * NS,
        ...(engine.stopSignal ? { StopSignal: engine.stopSignal } : {}),
        Healthcheck: {
          Test: ['CMD', ...engine.healthCheck],
          Interval: 2 * NS,
          Timeout: 5 * NS,
          Retries: 5,
          // First start initialises the data directory; failures then do not count.
          StartPeriod: 120 * NS,
        },
        Mounts: [
          {
            Type: 'volume' as const,
            Source: databaseVolumeName(service.id),
            Target: engine.dataDir,
            ReadOnly: false,
            VolumeOptions: { NoCopy: false, Labels: { 'berth.managed': 'true', 'berth.service': service.id, 'berth.kind': 'database' }, DriverConfig: { Name: 'local', Options: {} } },
          },
        ],
      },
      Resources: {
        Limits: { ...(r.cpus ? { NanoCPUs: Math.round(r.cpus * NS) } : {}), ...(r.memoryMb ? { MemoryBytes: r.memoryMb * 1024 * 1024 } : {}) },
        Reservations: {},
      },
      RestartPolicy: { Condition: 'any', Delay: 5 * NS, MaxAttempts: 0 },
      Placement: { Constraints: input.nodeId ? [`node.id==${input.nodeId}`] : [] },
      // The project network only: apps of the project reach it by its name; nothing else can.
      Networks: [{ Target: projectNetworkName(service.projectId), Aliases: [service.name] }],
    },
    Mode: { Replicated: { Replicas: input.running ? 1 : 0 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'pause' },
    EndpointSpec: {
      Mode: 'dnsrr',
      Ports: input.externalPort ? [{ Protocol: 'tcp', TargetPort: engine.port, PublishedPort: input.externalPort, PublishMode: 'host' as const }] : [],
    },
  };
}
