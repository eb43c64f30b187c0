// The Swarm service spec Berth sends, and the pure comparison of a desired spec with the one the engine
// stores. The engine fills in defaults and drops zero values (Go's `omitempty`), so both sides are
// normalised before comparing; equal specs mean "do nothing", which keeps `ensureService` idempotent.
// Must never do I/O, and never mutate its inputs.
import type Dockerode from 'dockerode';
import type { Labels } from './labels.ts';

/** Docker's `ContainerSpec`, with the health check under the engine's real key (`Healthcheck`). */
export interface ContainerSpec extends Omit<Dockerode.ContainerSpec, 'HealthCheck' | 'Image'> {
  /** A reference (`berth/app:3`) or an image ID (`sha256:…`); local references are replaced by their ID. */
  Image: string;
  Healthcheck?: Dockerode.HealthConfig;
}

export interface TaskTemplate extends Omit<Dockerode.TaskSpecBase, 'Runtime'> {
  ContainerSpec: ContainerSpec;
}

export interface UpdateConfig {
  Parallelism?: number;
  Delay?: number;
  FailureAction?: 'continue' | 'pause' | 'rollback';
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: 'stop-first' | 'start-first';
}

/** A Swarm service spec in the Engine API's own shape (durations in nanoseconds). */
export interface ServiceSpec {
  Name: string;
  /** Only `<prefix>.*` keys; the gateway adds the managed label. */
  Labels?: Labels;
  TaskTemplate: TaskTemplate;
  Mode?: Dockerode.ServiceMode;
  UpdateConfig?: UpdateConfig;
  RollbackConfig?: UpdateConfig;
  EndpointSpec?: Dockerode.EndpointSpec;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Maps whose entries are data, not settings: an empty value there is meaningful and kept. */
const VERBATIM_MAPS = new Set(['Labels', 'Options', 'DriverOpts', 'Sysctls']);

/** Paths whose zero or empty value means something different from "absent" (0 replicas; kill at once; global mode). */
const MEANINGFUL_ZEROS = new Set([
  'Mode.Replicated.Replicas',
  'Mode.Global',
  'Mode.ReplicatedJob',
  'Mode.GlobalJob',
  'TaskTemplate.ContainerSpec.StopGracePeriod',
]);

/** Values the engine writes when a field was not given (Engine API 1.41). */
const ENGINE_DEFAULTS: Array<[path: string, value: Json]> = [
  ['TaskTemplate.Runtime', 'container'],
  ['TaskTemplate.ContainerSpec.Isolation', 'default'],
  ['EndpointSpec.Mode', 'vip'],
  ['UpdateConfig.FailureAction', 'pause'],
  ['UpdateConfig.Order', 'stop-first'],
  ['RollbackConfig.FailureAction', 'pause'],
  ['RollbackConfig.Order', 'stop-first'],
];

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isZero(value: Json | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

function getPath(root: JsonObject, path: string): Json | undefined {
  let node: Json | undefined = root;
  for (const key of path.split('.')) node = isObject(node) ? node[key] : undefined;
  return node;
}

/** Fills the engine's default at `path` when the parent object exists and the field does not. */
function fillDefault(root: JsonObject, path: string, value: Json): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  const parent = getPath(root, keys.join('.'));
  if (isObject(parent) && parent[last] === undefined) parent[last] = value;
}

function fillEngineDefaults(spec: JsonObject): void {
  if (!isObject(spec.Mode)) spec.Mode = { Replicated: {} };
  if (isObject(spec.Mode.Replicated) && spec.Mode.Replicated.Replicas === undefined) spec.Mode.Replicated.Replicas = 1;
  if (!isObject(spec.EndpointSpec)) spec.EndpointSpec = {};
  for (const [path, value] of ENGINE_DEFAULTS) fillDefault(spec, path, value);
  const ports = getPath(spec, 'EndpointSpec.Ports');
  for (const port of Array.isArray(ports) ? ports : []) {
    if (isObject(port)) port.Protocol ??= 'tcp';
    if (isObject(port)) port.PublishMode ??= 'ingress';
  }
}

/** The engine accepts keys case-insensitively but answers with its own spelling. */
function canonicaliseKeys(spec: JsonObject): void {
  const container = getPath(spec, 'TaskTemplate.ContainerSpec');
  if (isObject(container) && container.HealthCheck !== undefined) {
    container.Healthcheck ??= container.HealthCheck;
    delete container.HealthCheck;
  }
}

/** Sorts what the engine treats as a set, so order alone is never a difference. */
function sortSets(spec: JsonObject): void {
  const container = getPath(spec, 'TaskTemplate.ContainerSpec');
  if (isObject(container) && Array.isArray(container.Env)) container.Env = [...container.Env].sort();
  const task = getPath(spec, 'TaskTemplate');
  if (isObject(task) && Array.isArray(task.Networks)) {
    const target = (attachment: Json) => String(isObject(attachment) ? attachment.Target : '');
    task.Networks = [...task.Networks].sort((a, b) => target(a).localeCompare(target(b)));
  }
}

/** Drops zero values (the engine cannot tell them from absent), recursively; sorts object keys. */
function stripZeros(value: Json, path: string): Json | undefined {
  if (Array.isArray(value)) return value.map((item) => stripZeros(item, path) ?? null);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) {
    const childPath = path ? `${path}.${key}` : key;
    const child = VERBATIM_MAPS.has(key) ? value[key] : stripZeros(value[key] as Json, childPath);
    if (child !== undefined && (MEANINGFUL_ZEROS.has(childPath) || !isZero(child))) out[key] = child;
  }
  return out;
}

/**
 * The comparable form of a spec: engine defaults filled, zero values dropped, sets sorted, keys sorted.
 * Two specs the engine would run identically normalise to the same value.
 */
export function normaliseServiceSpec(spec: ServiceSpec | Dockerode.ServiceSpec | undefined): JsonObject {
  const copy = JSON.parse(JSON.stringify(spec ?? {})) as JsonObject;
  canonicaliseKeys(copy);
  fillEngineDefaults(copy);
  sortSets(copy);
  return (stripZeros(copy, '') ?? {}) as JsonObject;
}

function collectDifferences(want: Json | undefined, have: Json | undefined, path: string, out: string[]): void {
  if (isObject(want) && isObject(have)) {
    const keys = [...new Set([...Object.keys(want), ...Object.keys(have)])].sort();
    for (const key of keys) collectDifferences(want[key], have[key], path ? `${path}.${key}` : key, out);
  } else if (JSON.stringify(want) !== JSON.stringify(have)) {
    out.push(path || '(root)');
  }
}

/** Paths (e.g. `TaskTemplate.ContainerSpec.Env`) where the desired spec differs from the current one. */
export function serviceSpecDifferences(desired: ServiceSpec, current: Dockerode.ServiceSpec | undefined): string[] {
  const out: string[] = [];
  collectDifferences(normaliseServiceSpec(desired), normaliseServiceSpec(current), '', out);
  return out;
}
