// The Docker gateway's option and result shapes: what callers pass in and get back.
// Must never import dockerode: callers of the gateway do not need to know it exists.

export interface DockerGatewayOptions {
  /** The Engine API's unix socket, e.g. `/var/run/docker.sock`. */
  socketPath: string;
  /** Label namespace of everything Berth creates; `berth` gives `berth.managed=true`. */
  labelPrefix?: string;
}

export type SwarmState = 'inactive' | 'pending' | 'active' | 'error' | 'locked';

export interface EngineInfo {
  serverVersion: string;
  apiVersion: string;
  swarm: { state: SwarmState; isManager: boolean; nodeId: string; nodes: number; managers: number };
}

export interface SwarmNodeSummary {
  id: string;
  hostname: string;
  role: string;
  availability: string;
  state: string;
  address: string;
  leader: boolean;
  engineVersion: string;
  platform: string;
  cpus: number;
  memoryBytes: number;
}

export interface EnsureSwarmOptions {
  /** Address other nodes reach this one on (tests use 127.0.0.1). */
  advertiseAddr: string;
  /** Default `0.0.0.0:2377`. */
  listenAddr?: string;
  /** Subnets overlay networks are carved from when they name none, e.g. `['10.200.0.0/16']`. */
  defaultAddrPool?: string[];
}

export interface EnsureSwarmResult {
  action: 'created' | 'unchanged';
  nodeId: string;
  /** False on a worker: Berth can only manage services from a manager. */
  isManager: boolean;
}

export interface EnsureServiceResult {
  action: 'created' | 'updated' | 'unchanged';
  id: string;
  /** The service's `Version.Index` after the call. */
  version: number;
  /** Spec paths that differed (empty when created or unchanged). */
  changes: string[];
}

export interface ServiceLogsOptions {
  follow?: boolean;
  /** Last N lines per task, or all. */
  tail?: number | 'all';
  /** Only lines after this instant (a Date, or Unix seconds). */
  since?: Date | number;
  signal?: AbortSignal;
}

export interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope?: 'local' | 'swarm';
  time: number;
  timeNano: number;
}

export interface EventsOptions {
  signal?: AbortSignal;
  /** Engine event filters, e.g. `{ type: ['service'], label: ['berth.managed=true'] }`. */
  filters?: Record<string, string[]>;
  /** Replay events from this instant (a Date, or Unix seconds) before following. */
  since?: Date | number;
}
