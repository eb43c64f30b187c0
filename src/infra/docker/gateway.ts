// The one module that talks to the Docker Engine API (through dockerode): health, Swarm, platform
// networks, services, their tasks, logs and events. Constructed with options and injected; no singleton.
// Must never: shell out to the docker CLI, change or delete an object without Berth's managed label,
// let Swarm ask a registry for an image that exists locally, or let an engine error escape unwrapped.
import { setTimeout as delay } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { Invalid } from '../../core/errors.ts';
import { DNS_LABEL } from '../../core/names.ts';
import { buildImage, type BuildImageOptions, type BuiltImage } from './build.ts';
import { DockerNotFound, DockerUnavailable, UnmanagedObject, isLostRace, isNotFound, toDockerError } from './errors.ts';
import { ImageStore, type PruneImagesOptions, type PruneImagesResult, type ServiceImage } from './images.ts';
import { LabelScheme, type Labels } from './labels.ts';
import { networkCreateOptions, networkDrift, type EnsureNetworkResult, type NetworkSpec } from './networks.ts';
import { serviceSpecDifferences, type ServiceSpec } from './service-spec.ts';
import { demultiplex, jsonLines, logLines, rawFrames, readUntilAborted, type LogLine } from './streams.ts';
import {
  compareTasks, toServiceSummary, toTaskSummary,
  type EngineTask, type ServiceSummary, type TaskHealth, type TaskState, type TaskSummary,
} from './summaries.ts';
import type {
  DockerEvent, DockerGatewayOptions, EngineInfo, EnsureServiceResult, EnsureSwarmOptions, EnsureSwarmResult,
  EventsOptions, ServiceLogsOptions, SwarmNodeSummary, SwarmState,
} from './gateway-types.ts';

/** Service create sends no registry credentials; an empty auth config keeps dockerode from inventing one. */
const NO_REGISTRY_AUTH = {} as Dockerode.AuthConfig;

/** Credentials Swarm uses to pull a service's image from a private registry. */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/**
 * The `X-Registry-Auth` header value: the auth config as JSON, base64url-encoded (Engine API). Padded,
 * because the engine decodes with Go's `base64.URLEncoding`, which requires the padding.
 */
export function registryAuthHeader(auth: RegistryAuth): string {
  const { username, password, serveraddress } = auth;
  return Buffer.from(JSON.stringify({ username, password, serveraddress })).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** dockerode sends an auth config's `base64` field verbatim as X-Registry-Auth. */
const authConfig = (auth: RegistryAuth) => ({ base64: registryAuthHeader(auth) }) as unknown as Dockerode.AuthConfig;

const MAX_RACE_RETRIES = 3;
const ALLOCATION_POLLS = 100;
const ALLOCATION_POLL_MS = 100;

type DestroyableStream = NodeJS.ReadableStream & { destroy(): void };

async function* oneChunk(chunk: Buffer): AsyncGenerator<Buffer> {
  yield chunk;
}

/** For results only; the index sent back to the engine is read in `updateService` alone. */
function reportedVersion(service: Dockerode.Service): number {
  return service.Version?.Index ?? 0;
}

/** Names Berth gives Docker objects follow the project's one strict pattern (a DNS label). */
function assertDockerName(path: string, name: string): void {
  if (!DNS_LABEL.test(name)) throw new Invalid([{ path, message: `"${name}" is not a DNS label (lowercase letters, digits, hyphens)` }]);
}

/** Another writer created the object or updated it first: converge again from a fresh read. */
async function retryLostRaces<T>(converge: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await converge();
    } catch (err) {
      if (attempt >= MAX_RACE_RETRIES || !isLostRace(err)) throw err;
    }
  }
}

function unixSeconds(instant: Date | number): number {
  return instant instanceof Date ? instant.getTime() / 1000 : instant;
}

export class DockerGateway {
  private readonly docker: Dockerode;
  readonly labels: LabelScheme;
  private readonly images: ImageStore;

  constructor(options: DockerGatewayOptions) {
    this.docker = new Dockerode({ socketPath: options.socketPath });
    this.labels = new LabelScheme(options.labelPrefix);
    this.images = new ImageStore(this.docker, this.labels);
  }

  // ---- health and Swarm ----

  /** Resolves when the engine answers; throws DockerUnavailable (or DockerError) otherwise. */
  async ping(): Promise<void> {
    await this.call('ping', () => this.docker.ping());
  }

  async info(): Promise<EngineInfo> {
    const [info, version] = await Promise.all([
      this.call('info', () => this.docker.info()),
      this.call('version', () => this.docker.version()),
    ]);
    const swarm = info.Swarm ?? {};
    return {
      serverVersion: String(info.ServerVersion ?? version.Version),
      apiVersion: version.ApiVersion,
      swarm: {
        state: (swarm.LocalNodeState || 'inactive') as SwarmState,
        isManager: swarm.ControlAvailable === true,
        nodeId: swarm.NodeID ?? '',
        nodes: swarm.Nodes ?? 0,
        managers: swarm.Managers ?? 0,
      },
    };
  }

  /** The Swarm's nodes (read-only, for the server status page): role, availability, state, leader. */
  async listNodes(): Promise<SwarmNodeSummary[]> {
    type EngineNode = {
      ID: string;
      Spec?: { Role?: string; Availability?: string };
      Description?: { Hostname?: string; Engine?: { EngineVersion?: string }; Platform?: { OS?: string; Architecture?: string }; Resources?: { NanoCPUs?: number; MemoryBytes?: number } };
      Status?: { State?: string; Addr?: string; Message?: string };
      ManagerStatus?: { Leader?: boolean; Reachability?: string };
    };
    const nodes = await this.call('node.list', () => this.docker.listNodes() as Promise<EngineNode[]>);
    return nodes.map((n) => ({
      id: n.ID,
      hostname: n.Description?.Hostname ?? '',
      role: n.Spec?.Role ?? 'worker',
      availability: n.Spec?.Availability ?? 'active',
      state: n.Status?.State ?? 'unknown',
      address: n.Status?.Addr ?? '',
      leader: n.ManagerStatus?.Leader === true,
      engineVersion: n.Description?.Engine?.EngineVersion ?? '',
      platform: [n.Description?.Platform?.OS, n.Description?.Platform?.Architecture].filter(Boolean).join('/'),
      cpus: n.Description?.Resources?.NanoCPUs ? n.Description.Resources.NanoCPUs / 1e9 : 0,
      memoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
    }));
  }

  /** Initialises a single-node swarm unless this node is already in one. */
  async ensureSwarm(options: EnsureSwarmOptions): Promise<EnsureSwarmResult> {
    const { swarm } = await this.info();
    if (swarm.state === 'active') return { action: 'unchanged', nodeId: swarm.nodeId, isManager: swarm.isManager };
    if (swarm.state !== 'inactive') {
      throw new DockerUnavailable(`swarm is ${swarm.state} on this node; it needs an operator (docker swarm leave or unlock)`);
    }
    const nodeId = await this.call('swarm.init', () =>
      this.docker.swarmInit({
        AdvertiseAddr: options.advertiseAddr,
        ListenAddr: options.listenAddr ?? '0.0.0.0:2377',
        ...(options.defaultAddrPool ? { DefaultAddrPool: options.defaultAddrPool } : {}),
      }),
    );
    return { action: 'created', nodeId: String(nodeId), isManager: true };
  }

  // ---- networks ----

  /** Creates the overlay network if missing; reports drift (never changes it) if it differs. */
  async ensureNetwork(spec: NetworkSpec): Promise<EnsureNetworkResult> {
    assertDockerName('name', spec.name);
    const labels = this.labels.stamp(spec.labels);
    return retryLostRaces(() => this.convergeNetwork(spec, labels));
  }

  private async convergeNetwork(spec: NetworkSpec, labels: Labels): Promise<EnsureNetworkResult> {
    const existing = await this.findAllocatedNetwork(spec.name);
    if (!existing) {
      const created = await this.call('network.create', () => this.docker.createNetwork(networkCreateOptions(spec, labels)));
      return { action: 'created', id: created.id, drift: [] };
    }
    this.assertManaged('network', spec.name, existing.Labels);
    const drift = networkDrift(spec, labels, existing);
    return drift.length === 0 ? { action: 'unchanged', id: existing.Id, drift: [] } : { action: 'drifted', id: existing.Id, drift };
  }

  /** Removes a Berth-labelled network; a missing one is fine. */
  async removeNetwork(name: string): Promise<'removed' | 'absent'> {
    const existing = await this.findNetwork(name);
    if (!existing) return 'absent';
    this.assertManaged('network', name, existing.Labels);
    return this.removeIgnoringNotFound('network.remove', () => this.docker.getNetwork(existing.Id).remove());
  }

  /** Berth-labelled networks, optionally narrowed by more labels (e.g. `{ 'berth.project': id }`). */
  async listNetworks(filter: { labels?: Labels } = {}): Promise<Array<{ name: string; labels: Labels }>> {
    const networks = await this.call('network.list', () => this.docker.listNetworks({ filters: { label: this.labels.managedFilter(filter.labels) } }));
    return networks.filter((n) => this.labels.isManaged(n.Labels)).map((n) => ({ name: n.Name, labels: n.Labels ?? {} }));
  }

  /**
   * The IPv4 gateway of a network (e.g. `docker_gwbridge`, the host's side of every task's bridge), or
   * undefined when the network or its gateway is absent. Read-only, so it also reads networks Docker
   * itself created without Berth's label.
   */
  async networkGateway(name: string): Promise<string | undefined> {
    const network = await this.findNetwork(name);
    const config = (network?.IPAM?.Config ?? []).find((entry) => entry.Gateway && !entry.Gateway.includes(':'));
    return config?.Gateway || undefined;
  }

  /** Every IPv4 subnet any network on this engine uses (read-only; unlabelled networks included). */
  async usedSubnets(): Promise<Set<string>> {
    const networks = await this.call('network.list', () => this.docker.listNetworks());
    return new Set(networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((x): x is string => !!x && !x.includes(':'))));
  }

  /**
   * A swarm network is allocated (driver, subnet) shortly after it is created; until then the engine
   * lists it with an empty driver, which must not read as drift. Waits a bounded while for that.
   */
  private async findAllocatedNetwork(name: string): Promise<Dockerode.NetworkInspectInfo | undefined> {
    for (let attempt = 1; ; attempt++) {
      const network = await this.findNetwork(name);
      if (!network || network.Driver || attempt >= ALLOCATION_POLLS) return network;
      await delay(ALLOCATION_POLL_MS);
    }
  }

  /** The network with exactly this name (the engine's name filter matches substrings). */
  private async findNetwork(name: string): Promise<Dockerode.NetworkInspectInfo | undefined> {
    const candidates = await this.call('network.list', () => this.docker.listNetworks({ filters: { name: [name] } }));
    const exact = candidates.filter((network) => network.Name === name);
    return exact.find((network) => network.Scope === 'swarm') ?? exact[0];
  }

  // ---- images ----

  /**
   * The local image ID (`sha256:…`) for a reference, or undefined when it is not on this node. A spec
   * naming the ID makes Swarm start tasks without asking a registry.
   */
  async resolveLocalImage(ref: string): Promise<string | undefined> {
    try {
      const image = await this.call('image.inspect', () => this.docker.getImage(ref).inspect());
      return image.Id;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Builds an image from a context directory (build.ts); returns its ID for Swarm to use without a registry. */
  buildImage(options: BuildImageOptions): Promise<BuiltImage> {
    return buildImage(this.docker, this.labels, options);
  }

  /** The service's Berth-built images, newest first. */
  listServiceImages(serviceId: string): Promise<ServiceImage[]> {
    return this.images.listServiceImages(serviceId);
  }

  /** Service ids that have Berth-built images on this node (the orphan sweep's images). */
  imageOwners(): Promise<string[]> {
    return this.images.imageOwners();
  }

  /** Keeps the service's newest N images (default 5); removes older ones nothing uses. */
  pruneServiceImages(options: PruneImagesOptions): Promise<PruneImagesResult> {
    return this.images.pruneServiceImages(options);
  }

  // ---- volumes ----

  /** Berth-labelled volumes on this node, optionally narrowed by more labels (e.g. `{ 'berth.service': id }`). */
  async listVolumes(filter: { labels?: Labels } = {}): Promise<Array<{ name: string; labels: Labels }>> {
    const listed = await this.call('volume.list', () => this.docker.listVolumes({ filters: { label: this.labels.managedFilter(filter.labels) } }));
    return (listed.Volumes ?? []).filter((v) => this.labels.isManaged(v.Labels)).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  /** Removes a Berth-labelled volume; a missing one is fine. The engine refuses one a container still uses. */
  async removeVolume(name: string): Promise<'removed' | 'absent'> {
    let labels: Labels | null | undefined;
    try {
      labels = ((await this.call('volume.inspect', () => this.docker.getVolume(name).inspect())) as { Labels?: Labels | null }).Labels;
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      throw err;
    }
    this.assertManaged('volume', name, labels);
    return this.removeIgnoringNotFound('volume.remove', () => this.docker.getVolume(name).remove());
  }

  // ---- services ----

  /** Creates or updates a service by name so it matches `desired`; does nothing when it already does. */
  async ensureService(desired: ServiceSpec, options: { registryAuth?: RegistryAuth } = {}): Promise<EnsureServiceResult> {
    assertDockerName('Name', desired.Name);
    const spec = await this.prepareServiceSpec(desired);
    return retryLostRaces(() => this.convergeService(spec, options.registryAuth));
  }

  /** Removes a Berth-labelled service; a missing one is fine. */
  async removeService(name: string): Promise<'removed' | 'absent'> {
    const current = await this.findService(name);
    if (!current) return 'absent';
    this.assertManaged('service', name, current.Spec?.Labels);
    return this.removeIgnoringNotFound('service.remove', () => this.docker.getService(current.ID).remove());
  }

  /** Berth-labelled services, optionally narrowed by more labels (e.g. `{ 'berth.service': id }`). */
  async listServices(filter: { labels?: Labels } = {}): Promise<ServiceSummary[]> {
    const services = await this.call('service.list', () =>
      this.docker.listServices({ filters: { label: this.labels.managedFilter(filter.labels) } }),
    );
    return services
      .filter((service) => this.labels.isManaged(service.Spec?.Labels))
      .map((service) => toServiceSummary(service, this.labels.imageKey));
  }

  /** The service's tasks with state, health, node and per-network addresses; current task of each slot first. */
  async serviceTasks(name: string, options: { desiredState?: TaskState } = {}): Promise<TaskSummary[]> {
    const service = await this.requireManagedService(name);
    const filters: Record<string, string[]> = { service: [service.ID] };
    if (options.desiredState) filters['desired-state'] = [options.desiredState];
    const [tasks, nodes] = await Promise.all([
      this.call('task.list', () => this.docker.listTasks({ filters }) as Promise<EngineTask[]>),
      this.call('node.list', () => this.docker.listNodes() as Promise<Array<{ ID: string; Description?: { Hostname?: string } }>>),
    ]);
    const nodeHostnames = new Map(nodes.map((node) => [node.ID, node.Description?.Hostname ?? ''] as const));
    const summaries = await Promise.all(
      tasks.map(async (task) => toTaskSummary(task, { nodeHostnames, health: await this.containerHealth(task) })),
    );
    return summaries.sort(compareTasks);
  }

  /**
   * The current tasks (desired state running) of every Berth service, keyed by service name, in two engine
   * calls whatever the number of services. No container inspection: a task with a health check stays
   * "starting" until it is healthy, so `state === 'running'` already means healthy.
   */
  async runningTasksByService(): Promise<Map<string, TaskSummary[]>> {
    const [services, tasks] = await Promise.all([
      this.listServices(),
      this.call('task.list', () => this.docker.listTasks({ filters: { 'desired-state': ['running'] } }) as Promise<EngineTask[]>),
    ]);
    const nameById = new Map(services.map((s) => [s.id, s.name] as const));
    const byName = new Map<string, TaskSummary[]>();
    for (const task of tasks) {
      const name = nameById.get(task.ServiceID);
      if (!name) continue;
      const list = byName.get(name) ?? [];
      list.push(toTaskSummary(task, { nodeHostnames: new Map() }));
      byName.set(name, list);
    }
    return byName;
  }

  /** Lines from all of the service's tasks, demultiplexed; ends quietly when `signal` aborts. */
  async *serviceLogs(name: string, options: ServiceLogsOptions = {}): AsyncGenerator<LogLine> {
    const service = await this.requireManagedService(name);
    const tty = this.containerSpecOf(service)?.TTY === true;
    let body: NodeJS.ReadableStream | Buffer;
    try {
      body = await this.call('service.logs', () =>
        this.docker.getService(service.ID).logs({
          stdout: true,
          stderr: true,
          timestamps: true,
          follow: options.follow ?? false,
          ...(options.tail !== undefined && options.tail !== 'all' ? { tail: options.tail } : {}),
          ...(options.since !== undefined ? { since: unixSeconds(options.since) } : {}),
          ...(options.signal ? { abortSignal: options.signal } : {}),
        }),
      );
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    }
    // Without `follow` the engine's whole answer arrives as one buffer; with it, a stream.
    const chunks = Buffer.isBuffer(body) ? oneChunk(body) : readUntilAborted(body as DestroyableStream, options.signal);
    try {
      yield* logLines(tty ? rawFrames(chunks) : demultiplex(chunks));
    } catch (err) {
      throw toDockerError('service.logs', err);
    }
  }

  /** The engine's event stream (all objects unless `filters` narrow it); ends quietly when `signal` aborts. */
  async *events(options: EventsOptions = {}): AsyncGenerator<DockerEvent> {
    let body: NodeJS.ReadableStream;
    try {
      body = await this.call('events', () =>
        this.docker.getEvents({
          ...(options.filters ? { filters: JSON.stringify(options.filters) } : {}),
          ...(options.since !== undefined ? { since: unixSeconds(options.since) } : {}),
          ...(options.signal ? { abortSignal: options.signal } : {}),
        }),
      );
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    }
    try {
      for await (const event of jsonLines(readUntilAborted(body as DestroyableStream, options.signal))) {
        yield event as DockerEvent;
      }
    } catch (err) {
      throw toDockerError('events', err);
    }
  }

  // ---- service internals ----

  /** Stamps labels and swaps a local image reference for its ID (keeping the reference in a label). */
  private async prepareServiceSpec(desired: ServiceSpec): Promise<ServiceSpec> {
    const container = desired.TaskTemplate.ContainerSpec;
    const imageId = await this.resolveLocalImage(container.Image);
    const imageLabel: Labels = imageId && imageId !== container.Image ? { [this.labels.imageKey]: container.Image } : {};
    const serviceLabels = this.labels.stamp({ ...desired.Labels, ...imageLabel }, 'Labels');
    return {
      ...desired,
      Labels: serviceLabels,
      TaskTemplate: {
        ...desired.TaskTemplate,
        ContainerSpec: { ...container, Image: imageId ?? container.Image, Labels: { ...serviceLabels, ...container.Labels, [this.labels.managedKey]: 'true' } },
        Networks: await this.resolveNetworkTargets(desired.TaskTemplate.Networks),
      },
    };
  }

  /** The engine stores network IDs; resolve names up front so desired and current compare equal. */
  private async resolveNetworkTargets(attachments: ServiceSpec['TaskTemplate']['Networks']): Promise<ServiceSpec['TaskTemplate']['Networks']> {
    if (!attachments?.length) return attachments;
    const networks = await this.call('network.list', () => this.docker.listNetworks());
    return attachments.map((attachment) => {
      const target = attachment.Target ?? '';
      const match = networks.find((n) => n.Name === target && n.Scope === 'swarm') ?? networks.find((n) => n.Id === target);
      if (!match) throw new DockerNotFound('network.resolve', 404, `network ${target} not found (services attach to swarm-scoped networks)`);
      return { ...attachment, Target: match.Id };
    });
  }

  private async convergeService(spec: ServiceSpec, registryAuth: RegistryAuth | undefined): Promise<EnsureServiceResult> {
    const current = await this.findService(spec.Name);
    if (!current) {
      const created = await this.call('service.create', () =>
        this.docker.createService(registryAuth ? authConfig(registryAuth) : NO_REGISTRY_AUTH, spec as unknown as Dockerode.ServiceSpec),
      );
      const service = await this.inspectService(created.id);
      return { action: 'created', id: service.ID, version: reportedVersion(service), changes: [] };
    }
    this.assertManaged('service', spec.Name, current.Spec?.Labels);
    const changes = serviceSpecDifferences(spec, current.Spec);
    if (changes.length === 0) return { action: 'unchanged', id: current.ID, version: reportedVersion(current), changes };
    // No header without credentials: an update then keeps whatever auth the service already has.
    await this.updateService(current, spec, registryAuth && authConfig(registryAuth));
    const updated = await this.inspectService(current.ID);
    return { action: 'updated', id: updated.ID, version: reportedVersion(updated), changes };
  }

  /**
   * The one place a service's version index is read and passed: Swarm rejects an update built on a
   * stale read ("update out of sequence"), which ensureService retries from a fresh read.
   */
  private async updateService(current: Dockerode.Service, spec: ServiceSpec, auth: Dockerode.AuthConfig | undefined): Promise<void> {
    const version = current.Version?.Index;
    // dockerode takes `authconfig` out of the options (into the X-Registry-Auth header, never the URL).
    await this.call('service.update', () => this.docker.getService(current.ID).update({ ...(auth ? { authconfig: auth } : {}), _query: { version }, _body: spec }));
  }

  /** The service with exactly this name (the engine also resolves IDs and ID prefixes), or undefined. */
  private async findService(name: string): Promise<Dockerode.Service | undefined> {
    try {
      const service = await this.inspectService(name);
      return service.Spec?.Name === name ? service : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async requireManagedService(name: string): Promise<Dockerode.Service> {
    const service = await this.findService(name);
    if (!service) throw new DockerNotFound('service.inspect', 404, `service ${name} not found`);
    this.assertManaged('service', name, service.Spec?.Labels);
    return service;
  }

  private inspectService(idOrName: string): Promise<Dockerode.Service> {
    return this.call('service.inspect', () => this.docker.getService(idOrName).inspect() as Promise<Dockerode.Service>);
  }

  private containerSpecOf(service: Dockerode.Service): Dockerode.ContainerSpec | undefined {
    const task = service.Spec?.TaskTemplate;
    return task && 'ContainerSpec' in task ? task.ContainerSpec : undefined;
  }

  /**
   * The last outputs of a container's health check (newest last), for a deployment log that says why a
   * release was refused. Undefined when the container is gone or has no check.
   */
  async healthLog(containerId: string, last = 3): Promise<string | undefined> {
    try {
      const container = await this.call('container.inspect', () => this.docker.getContainer(containerId).inspect());
      const log = container.State?.Health?.Log ?? [];
      if (!log.length) return undefined;
      return log
        .slice(-last)
        .map((entry) => `exit ${entry.ExitCode}: ${String(entry.Output ?? '').trim()}`)
        .join('\n');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Health of a task's container when it runs on this node; undefined elsewhere or without a check. */
  private async containerHealth(task: EngineTask): Promise<TaskHealth | undefined> {
    const containerId = task.Status.ContainerStatus?.ContainerID;
    if (!containerId) return undefined;
    try {
      const container = await this.call('container.inspect', () => this.docker.getContainer(containerId).inspect());
      const status = container.State?.Health?.Status;
      return status === 'starting' || status === 'healthy' || status === 'unhealthy' ? status : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  // ---- plumbing ----

  private assertManaged(kind: 'service' | 'network' | 'volume', name: string, labels: Labels | null | undefined): void {
    if (!this.labels.isManaged(labels)) throw new UnmanagedObject(kind, name, this.labels.managedKey);
  }

  private async removeIgnoringNotFound(operation: string, remove: () => Promise<unknown>): Promise<'removed' | 'absent'> {
    try {
      await this.call(operation, remove);
      return 'removed';
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      throw err;
    }
  }

  /** Every engine call goes through here, so every failure leaves as a gateway error with its cause. */
  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw toDockerError(operation, err);
    }
  }
}
