// What the gateway returns about services and tasks: small, stable shapes mapped from the engine's
// JSON. The proxy routes to task addresses from here (no IPVS on some kernels, so no Swarm VIPs).
// Must never do I/O; the gateway fetches, these functions only map.
import type Dockerode from 'dockerode';
import type { Labels } from './labels.ts';

export type TaskState =
  | 'new' | 'allocated' | 'pending' | 'assigned' | 'accepted' | 'preparing' | 'ready' | 'starting'
  | 'running' | 'complete' | 'shutdown' | 'failed' | 'rejected' | 'remove' | 'orphaned';

export type TaskHealth = 'starting' | 'healthy' | 'unhealthy';

export interface TaskAddress {
  networkId: string;
  networkName: string;
  /** The task's IP on that network, without the prefix length. */
  ip: string;
}

export interface TaskSummary {
  id: string;
  serviceId: string;
  /** Replica slot (replicated services); undefined for global services. */
  slot?: number;
  node: { id: string; hostname?: string };
  state: TaskState;
  desiredState: TaskState;
  message: string;
  error?: string;
  /** From the container's health check, when it has one and runs on this node. */
  health?: TaskHealth;
  containerId?: string;
  addresses: TaskAddress[];
  createdAt: string;
  updatedAt: string;
}

export interface ServiceSummary {
  id: string;
  name: string;
  version: number;
  labels: Labels;
  /** The image reference asked for (from the image label when the spec names an image ID). */
  image: string;
  /** Replica count, or 'global'. */
  replicas: number | 'global';
  createdAt: string;
  updatedAt: string;
  spec: Dockerode.ServiceSpec;
}

/** The parts of the engine's task JSON the gateway reads (dockerode leaves tasks untyped). */
export interface EngineTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  CreatedAt: string;
  UpdatedAt: string;
  DesiredState: TaskState;
  Status: { State: TaskState; Message?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
  NetworksAttachments?: Array<{ Network: { ID: string; Spec?: { Name?: string } }; Addresses?: string[] }>;
}

/** `10.0.20.5/24` → `10.0.20.5` (IPv6 too). */
export function withoutPrefixLength(cidr: string): string {
  const slash = cidr.lastIndexOf('/');
  return slash === -1 ? cidr : cidr.slice(0, slash);
}

export function taskAddresses(task: EngineTask): TaskAddress[] {
  return (task.NetworksAttachments ?? []).flatMap((attachment) =>
    (attachment.Addresses ?? []).map((address) => ({
      networkId: attachment.Network.ID,
      networkName: attachment.Network.Spec?.Name ?? '',
      ip: withoutPrefixLength(address),
    })),
  );
}

export function toTaskSummary(
  task: EngineTask,
  context: { nodeHostnames: ReadonlyMap<string, string>; health?: TaskHealth },
): TaskSummary {
  const nodeId = task.NodeID ?? '';
  return {
    id: task.ID,
    serviceId: task.ServiceID,
    slot: task.Slot,
    node: { id: nodeId, hostname: context.nodeHostnames.get(nodeId) },
    state: task.Status.State,
    desiredState: task.DesiredState,
    message: task.Status.Message ?? '',
    error: task.Status.Err || undefined,
    health: context.health,
    containerId: task.Status.ContainerStatus?.ContainerID || undefined,
    addresses: taskAddresses(task),
    createdAt: task.CreatedAt,
    updatedAt: task.UpdatedAt,
  };
}

/** Newest first within a slot, slots in order: the current task of each slot comes first. */
export function compareTasks(a: TaskSummary, b: TaskSummary): number {
  return (a.slot ?? 0) - (b.slot ?? 0) || b.createdAt.localeCompare(a.createdAt);
}

export function toServiceSummary(service: Dockerode.Service, imageLabel: string): ServiceSummary {
  const spec = service.Spec ?? {};
  const labels = spec.Labels ?? {};
  const container = spec.TaskTemplate && 'ContainerSpec' in spec.TaskTemplate ? spec.TaskTemplate.ContainerSpec : undefined;
  return {
    id: service.ID,
    name: spec.Name ?? '',
    version: service.Version?.Index ?? 0,
    labels,
    image: labels[imageLabel] ?? container?.Image ?? '',
    replicas: spec.Mode?.Global ? 'global' : (spec.Mode?.Replicated?.Replicas ?? 1),
    createdAt: service.CreatedAt ?? '',
    updatedAt: service.UpdatedAt ?? '',
    spec,
  };
}
