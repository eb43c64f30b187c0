// Image builds through the Engine API: the context is streamed as a tar, every output line goes to
// `onLine`, the layer cache is reused, CPU and memory are capped, cancel stops the build on the engine.
// Builds with secrets go through BuildKit (see build-session.ts): RUN --mount=type=secret reads them,
// and they never reach an image layer, the history, argv or a build arg.
// Must never: pull from a registry, follow a symlink out of the context, send a secret as a build arg,
// or return while a cancelled build's step container still runs.
import { setTimeout as delay } from 'node:timers/promises';
import type Dockerode from 'dockerode';
import { Invalid } from '../../core/errors.ts';
import { imageRef } from '../../core/services/kinds.ts';
import { BuildCancelled, BuildFailed } from './build-errors.ts';
import { assertRelativeInside, packBuildContext } from './build-context.ts';
import { BuildProgress, type BuildMessage } from './build-progress.ts';
import { openBuildSession, type BuildSession } from './build-session.ts';
import { BuildkitTrace } from './build-trace.ts';
import { isNotFound, toDockerError } from './errors.ts';
import type { LabelScheme, Labels } from './labels.ts';
import { jsonLines, readUntilAborted } from './streams.ts';

export interface BuildLimits {
  /** Hard memory cap of each build step, swap included (the engine's minimum is 6 MiB). */
  memoryBytes: number;
  /** Relative CPU weight (default 1024 = a container's default). */
  cpuShares?: number;
  /** CFS quota and period in microseconds: quota/period = CPUs (e.g. 50000/100000 = half a core). */
  cpuQuota?: number;
  cpuPeriod?: number;
}

export interface BuildImageOptions {
  /** Absolute path of the build context (e.g. a fetched working copy or its subdirectory). */
  contextDir: string;
  /** The directory the context must really lie in, e.g. the working copy when the context is a subdirectory. */
  sourceRoot?: string;
  /** Relative to the context (default `Dockerfile`). */
  dockerfile?: string;
  /** Visible in the image history: never put a secret here (use `secrets`). */
  buildArgs?: Record<string, string>;
  /** A stage of a multi-stage Dockerfile to stop at. */
  target?: string;
  /** Tag given to the result, e.g. `berth/<service>:<deployment>`. */
  tag: string;
  /** `berth.*` labels, e.g. berth.service and berth.deployment; berth.managed=true is added. */
  labels?: Labels;
  limits: BuildLimits;
  /**
   * Files for `RUN --mount=type=secret,id=<name>`. Served from memory over a BuildKit session; the
   * engine then ignores `limits` (Docker 20.10's BuildKit has no per-build CPU/memory caps), which the
   * result reports as `limitsApplied: false`.
   */
  secrets?: Record<string, string | Buffer>;
  /** Rebuild every step (default: reuse the layer cache). */
  noCache?: boolean;
  signal?: AbortSignal;
  /** Whole-build deadline; default none (the job's own timeout applies through `signal`). */
  timeoutMs?: number;
  onLine?: (line: string) => void;
}

export interface BuiltImage {
  /** `sha256:…`, usable by Swarm on this node without a registry. */
  imageId: string;
  builder: 'classic' | 'buildkit';
  /** False when the engine could not cap this build (BuildKit). */
  limitsApplied: boolean;
}

const BUILD_ARG = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STAGE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const SECRET_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const MIN_MEMORY = 6 * 1024 * 1024;
const STEP_STOP_POLLS = 50;
const STEP_STOP_POLL_MS = 200;

function invalid(path: string, message: string): Invalid {
  return new Invalid([{ path, message }]);
}

function validate(options: BuildImageOptions): void {
  if (!imageRef.safeParse(options.tag).success) throw invalid('tag', 'expected an image reference such as berth/app:1');
  assertRelativeInside('dockerfile', options.dockerfile ?? 'Dockerfile');
  for (const name of Object.keys(options.buildArgs ?? {})) {
    if (!BUILD_ARG.test(name)) throw invalid(`buildArgs/${name}`, 'expected a build argument name (letters, digits, _)');
  }
  for (const id of Object.keys(options.secrets ?? {})) {
    if (!SECRET_ID.test(id)) throw invalid(`secrets/${id}`, 'expected a secret id (letters, digits, . _ -)');
  }
  if (options.target !== undefined && !STAGE.test(options.target)) throw invalid('target', 'expected a build stage name');
  const { memoryBytes, cpuQuota, cpuPeriod, cpuShares } = options.limits;
  if (!Number.isInteger(memoryBytes) || memoryBytes < MIN_MEMORY) throw invalid('limits/memoryBytes', `expected at least ${MIN_MEMORY} bytes`);
  if (cpuQuota !== undefined && (!Number.isInteger(cpuQuota) || cpuQuota < 1000)) throw invalid('limits/cpuQuota', 'expected at least 1000 µs');
  if (cpuPeriod !== undefined && (!Number.isInteger(cpuPeriod) || cpuPeriod < 1000 || cpuPeriod > 1_000_000)) throw invalid('limits/cpuPeriod', 'expected 1000–1000000 µs');
  if (cpuShares !== undefined && (!Number.isInteger(cpuShares) || cpuShares < 2)) throw invalid('limits/cpuShares', 'expected at least 2');
}

/** The build endpoint's query: https://docs.docker.com/engine/api/v1.41/#operation/ImageBuild */
export function buildQuery(options: BuildImageOptions, labels: Labels, session?: string): Record<string, unknown> {
  const { memoryBytes, cpuQuota, cpuPeriod, cpuShares } = options.limits;
  return {
    t: options.tag,
    dockerfile: options.dockerfile ?? 'Dockerfile',
    ...(options.buildArgs && Object.keys(options.buildArgs).length > 0 ? { buildargs: options.buildArgs } : {}),
    ...(options.target ? { target: options.target } : {}),
    labels,
    memory: memoryBytes,
    memswap: memoryBytes, // memory + swap = memory: no swap
    ...(cpuShares !== undefined ? { cpushares: cpuShares } : {}),
    ...(cpuQuota !== undefined ? { cpuquota: cpuQuota } : {}),
    ...(cpuPeriod !== undefined ? { cpuperiod: cpuPeriod } : {}),
    rm: true,
    forcerm: true,
    ...(options.noCache ? { nocache: true } : {}),
    ...(session ? { version: '2', session } : {}),
  };
}

function combinedSignal(options: BuildImageOptions, timeout: AbortSignal | undefined): AbortSignal | undefined {
  const signals = [options.signal, timeout].filter((s): s is AbortSignal => !!s);
  return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
}

function cancelled(options: BuildImageOptions, timeout: AbortSignal | undefined, cause?: unknown): BuildCancelled {
  const message = timeout?.aborted ? `image build timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)} s` : 'image build cancelled';
  return new BuildCancelled(message, { cause });
}

function dialBuild(docker: Dockerode, query: Record<string, unknown>, context: NodeJS.ReadableStream, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path: '/build?', method: 'POST', options: query, file: context, isStream: true, abortSignal: signal, statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' } },
      (err: unknown, body: unknown) => (err ? reject(err) : resolve(body as NodeJS.ReadableStream)),
    );
  });
}

/** Feeds the engine's messages to `progress`; BuildKit's progress arrives as encoded trace records. */
async function follow(body: NodeJS.ReadableStream, progress: BuildProgress, signal?: AbortSignal): Promise<void> {
  const chunks = readUntilAborted(body as NodeJS.ReadableStream & { destroy(): void }, signal);
  const trace = new BuildkitTrace();
  for await (const value of jsonLines(chunks)) {
    const message = value as BuildMessage & { id?: string };
    if (message.id === 'moby.buildkit.trace' && typeof message.aux === 'string') {
      for (const line of trace.lines(message.aux)) progress.text(`${line}\n`);
      continue;
    }
    progress.push(message);
  }
}

/** After a cancel the engine stops the step's container itself; make sure of it, or stop it. */
async function ensureStepStopped(docker: Dockerode, containerId: string | undefined): Promise<void> {
  if (!containerId) return;
  const container = docker.getContainer(containerId);
  for (let poll = 0; poll < STEP_STOP_POLLS; poll++) {
    try {
      await container.inspect();
    } catch (err) {
      if (isNotFound(err)) return;
      throw toDockerError('container.inspect', err);
    }
    await delay(STEP_STOP_POLL_MS);
  }
  // Identified by the build's own "Running in <id>" line: this container is this build's step.
  await container.remove({ force: true }).catch((err: unknown) => {
    if (!isNotFound(err)) throw toDockerError('container.remove', err);
  });
}

async function imageIdOf(docker: Dockerode, tag: string): Promise<string> {
  try {
    return (await docker.getImage(tag).inspect()).Id;
  } catch (err) {
    throw toDockerError('image.inspect', err);
  }
}

export async function buildImage(docker: Dockerode, scheme: LabelScheme, options: BuildImageOptions): Promise<BuiltImage> {
  validate(options);
  const labels = scheme.stamp(options.labels);
  const secrets = Object.entries(options.secrets ?? {});
  const timeout = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
  const signal = combinedSignal(options, timeout);
  const progress = new BuildProgress(options.onLine);
  const context = await packBuildContext({ contextDir: options.contextDir, dockerfile: options.dockerfile ?? 'Dockerfile', sourceRoot: options.sourceRoot });
  let session: BuildSession | undefined;
  try {
    if (secrets.length > 0) {
      session = await openBuildSession(docker, { secrets: new Map(secrets) });
      progress.text('build secrets given: building with BuildKit (the engine applies no CPU/memory caps to it)\n');
    }
    const body = await dialBuild(docker, buildQuery(options, labels, session?.id), context, signal).catch((err: unknown) => {
      if (signal?.aborted) throw cancelled(options, timeout, err);
      const failure = err as { statusCode?: number; json?: { message?: string } };
      if (failure.statusCode === 400) throw new BuildFailed(failure.json?.message ?? String(err), progress.lastLines, undefined, { cause: err });
      throw toDockerError('image.build', err);
    });
    await follow(body, progress, signal).catch((err: unknown) => {
      throw toDockerError('image.build', err);
    });
    if (signal?.aborted) {
      await ensureStepStopped(docker, progress.stepContainer);
      throw cancelled(options, timeout);
    }
    const { imageId } = progress.finish();
    return { imageId: imageId ?? (await imageIdOf(docker, options.tag)), builder: session ? 'buildkit' : 'classic', limitsApplied: !session };
  } finally {
    session?.close();
    (context as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
}
