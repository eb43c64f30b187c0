// Plain containers and volumes, beside the Swarm services of gateway.ts: exec into a running task's
// container (dumps, restores, health checks), throwaway containers (a backup's verification, a volume's
// tar) with no network, and named volumes. Everything created carries Berth's labels and is removed
// with its anonymous volumes; nothing unlabelled is removed or written to.
// Must never: attach a throwaway container to a network, mount a volume Berth does not manage, or
// leave a throwaway container behind (callers use `withScratchContainer`, which removes it in finally).
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { Invalid } from '../../core/errors.ts';
import { DockerNotFound, isNotFound, toDockerError } from './errors.ts';
import { execCollect, execStream, execWithInput, type ExecOptions, type ExecResult, type ExecStream } from './exec.ts';
import type { DockerGatewayOptions } from './gateway-types.ts';
import { LabelScheme, type Labels } from './labels.ts';

/** Docker's own volume-name rule, narrowed: Berth's volume names are lowercase. */
export const VOLUME_NAME = /^[a-z0-9][a-z0-9_.-]{0,127}$/;

export interface ScratchContainerSpec {
  image: string;
  /** Container name (must be unique on the engine); default: the engine picks one. */
  name?: string;
  env?: Record<string, string>;
  /** argv replacing the image's CMD. */
  cmd?: readonly string[];
  entrypoint?: readonly string[];
  labels?: Labels;
  /** Named volumes Berth manages, mounted at `target`. */
  volumes?: Array<{ name: string; target: string; readOnly?: boolean }>;
  /** Memory cap in bytes. */
  memoryBytes?: number;
}

export interface VolumeInfo {
  name: string;
  labels: Labels;
  createdAt: string;
}

export class ContainerGateway {
  private readonly docker: Dockerode;
  readonly labels: LabelScheme;

  constructor(options: DockerGatewayOptions) {
    this.docker = new Dockerode({ socketPath: options.socketPath });
    this.labels = new LabelScheme(options.labelPrefix);
  }

  // ---- exec ----

  /** Starts a command and streams its stdout (a dump). */
  execStream(containerId: string, o: ExecOptions): Promise<ExecStream> {
    return execStream(this.docker.getContainer(containerId), o);
  }

  /** Runs a command with `stdin` piped in (a restore). */
  execWithInput(containerId: string, o: ExecOptions & { stdin: Readable }): Promise<ExecResult> {
    return execWithInput(this.docker.getContainer(containerId), o);
  }

  /** Runs a command to completion (a health check, a verification query). */
  exec(containerId: string, o: ExecOptions & { maxOutputBytes?: number }): Promise<ExecResult> {
    return execCollect(this.docker.getContainer(containerId), o);
  }

  /** Repeats `argv` until it exits 0 (a server accepting connections), or throws after `timeoutMs`. */
  async waitUntilReady(containerId: string, o: ExecOptions & { timeoutMs?: number; intervalMs?: number }): Promise<void> {
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    let last: ExecResult | undefined;
    for (;;) {
      o.signal?.throwIfAborted();
      await this.assertRunning(containerId);
      last = await this.exec(containerId, o);
      if (last.exitCode === 0) return;
      if (Date.now() > deadline) {
        throw new DockerNotFound('container.ready', 0, `not ready after ${o.timeoutMs ?? 60_000} ms: ${(last.stderr || last.stdout).trim().slice(-300)}`);
      }
      await delay(o.intervalMs ?? 250);
    }
  }

  // ---- throwaway containers ----

  /**
   * Creates and starts a container with no network at all, runs `use`, and removes the container (and
   * its anonymous volumes) whatever happens.
   */
  async withScratchContainer<T>(spec: ScratchContainerSpec, use: (containerId: string) => Promise<T>): Promise<T> {
    const id = await this.startScratch(spec);
    try {
      return await use(id);
    } finally {
      await this.removeContainer(id).catch(() => undefined);
    }
  }

  async startScratch(spec: ScratchContainerSpec): Promise<string> {
    for (const v of spec.volumes ?? []) await this.requireManagedVolume(v.name);
    const created = await this.call('container.create', () =>
      this.docker.createContainer({
        Image: spec.image,
        ...(spec.name ? { name: spec.name } : {}),
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(spec.cmd ? { Cmd: [...spec.cmd] } : {}),
        ...(spec.entrypoint ? { Entrypoint: [...spec.entrypoint] } : {}),
        Labels: this.labels.stamp(spec.labels),
        HostConfig: {
          NetworkMode: 'none',
          Mounts: (spec.volumes ?? []).map((v) => ({ Type: 'volume' as const, Source: v.name, Target: v.target, ReadOnly: v.readOnly ?? false })),
          ...(spec.memoryBytes ? { Memory: spec.memoryBytes } : {}),
        },
      }),
    );
    try {
      await this.call('container.start', () => created.start());
    } catch (err) {
      await this.removeContainer(created.id).catch(() => undefined);
      throw err;
    }
    return created.id;
  }

  /** Removes a Berth-labelled container (forced) and its anonymous volumes; a missing one is fine. */
  async removeContainer(id: string): Promise<'removed' | 'absent'> {
    try {
      const info = await this.call('container.inspect', () => this.docker.getContainer(id).inspect());
      if (!this.labels.isManaged(info.Config?.Labels)) throw new Invalid([{ path: 'container', message: `container ${id} is not managed by Berth` }]);
      await this.call('container.remove', () => this.docker.getContainer(id).remove({ force: true, v: true }));
      return 'removed';
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      throw err;
    }
  }

  /** Berth-labelled containers carrying `extra` labels (tests check nothing was left behind). */
  async listContainers(extra: Labels = {}): Promise<Array<{ id: string; labels: Labels; state: string }>> {
    const found = await this.call('container.list', () => this.docker.listContainers({ all: true, filters: { label: this.labels.managedFilter(extra) } }));
    return found.map((c) => ({ id: c.Id, labels: c.Labels ?? {}, state: c.State }));
  }

  /** The image ID a container runs (a verification uses exactly the database's image). */
  async containerImage(id: string): Promise<string> {
    return (await this.containerInfo(id)).image;
  }

  /** The image ID and labels of a container (what a running task actually runs, not what is wanted next). */
  async containerInfo(id: string): Promise<{ image: string; labels: Labels }> {
    const info = await this.call('container.inspect', () => this.docker.getContainer(id).inspect());
    return { image: info.Image, labels: info.Config?.Labels ?? {} };
  }

  private async assertRunning(id: string): Promise<void> {
    const info = await this.call('container.inspect', () => this.docker.getContainer(id).inspect());
    if (!info.State?.Running) {
      throw new DockerNotFound('container.inspect', 0, `container exited (code ${info.State?.ExitCode ?? '?'}) before it was ready`);
    }
  }

  // ---- volumes ----

  async createVolume(name: string, labels: Labels = {}): Promise<void> {
    if (!VOLUME_NAME.test(name)) throw new Invalid([{ path: 'volume', message: 'expected a volume name (lowercase letters, digits, _ . -)' }]);
    await this.call('volume.create', () => this.docker.createVolume({ Name: name, Labels: this.labels.stamp(labels) }));
  }

  async removeVolume(name: string): Promise<'removed' | 'absent'> {
    try {
      await this.requireManagedVolume(name);
      await this.call('volume.remove', () => this.docker.getVolume(name).remove());
      return 'removed';
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      throw err;
    }
  }

  /** The volume when it exists and carries Berth's managed label; throws otherwise. */
  async requireManagedVolume(name: string): Promise<VolumeInfo> {
    if (!VOLUME_NAME.test(name)) throw new Invalid([{ path: 'volume', message: 'expected a volume name (lowercase letters, digits, _ . -)' }]);
    const info = (await this.call('volume.inspect', () => this.docker.getVolume(name).inspect())) as { Name: string; Labels: Labels | null; CreatedAt?: string };
    if (!this.labels.isManaged(info.Labels)) throw new Invalid([{ path: 'volume', message: `volume "${name}" is not managed by Berth` }]);
    return { name: info.Name, labels: info.Labels ?? {}, createdAt: info.CreatedAt ?? '' };
  }

  private async call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw toDockerError(operation, err);
    }
  }
}
