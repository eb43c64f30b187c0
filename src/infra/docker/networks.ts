// Platform overlay networks: their specs, and the pure comparison of a wanted network with what the
// engine reports. Overlay networks cannot be updated in place, so a difference is reported as drift.
// Must never do I/O; the gateway decides what to do with drift.
import type Dockerode from 'dockerode';
import type { Labels } from './labels.ts';

export interface NetworkSpec {
  name: string;
  /** IPv4 subnet in CIDR form, handed to the engine's IPAM config; absent: the engine's address pool picks one. */
  subnet?: string;
  /** Standalone containers (and other stacks) may join it. */
  attachable?: boolean;
  /** No route out of the overlay. */
  internal?: boolean;
  /** Extra `<prefix>.*` labels; the managed label is always added. */
  labels?: Labels;
}

/**
 * The networks every Berth cluster has: the proxy and apps meet on `berth-ingress`; apps talk to each
 * other on `berth-app`; databases sit on `berth-data`, which has no way out.
 */
export const PLATFORM_NETWORKS = {
  ingress: { name: 'berth-ingress', subnet: '10.0.10.0/24', attachable: true, internal: false },
  app: { name: 'berth-app', subnet: '10.0.20.0/24', attachable: false, internal: false },
  data: { name: 'berth-data', subnet: '10.0.30.0/24', attachable: false, internal: true },
} as const satisfies Record<string, NetworkSpec>;

export type EnsureNetworkResult =
  | { action: 'created' | 'unchanged'; id: string; drift: [] }
  /** Present, labelled, but not as wanted. Nothing was changed: recreate it deliberately. */
  | { action: 'drifted'; id: string; drift: string[] };

/** What the engine is asked to create for a spec (labels already stamped by the caller). */
export function networkCreateOptions(spec: NetworkSpec, labels: Labels): Dockerode.NetworkCreateOptions {
  return {
    Name: spec.name,
    CheckDuplicate: true,
    Driver: 'overlay',
    Scope: 'swarm',
    Attachable: spec.attachable ?? false,
    Internal: spec.internal ?? false,
    IPAM: { Driver: 'default', Config: spec.subnet ? [{ Subnet: spec.subnet }] : [] },
    Labels: labels,
  };
}

/** Human-readable differences between a wanted network and the one the engine has; empty when equal. */
export function networkDrift(spec: NetworkSpec, labels: Labels, actual: Dockerode.NetworkInspectInfo): string[] {
  const drift: string[] = [];
  const expect = (what: string, want: unknown, have: unknown) => {
    if (want !== have) drift.push(`${what}: want ${JSON.stringify(want)}, have ${JSON.stringify(have)}`);
  };
  expect('driver', 'overlay', actual.Driver);
  expect('scope', 'swarm', actual.Scope);
  expect('attachable', spec.attachable ?? false, actual.Attachable ?? false);
  expect('internal', spec.internal ?? false, actual.Internal ?? false);
  const subnets = (actual.IPAM?.Config ?? []).map((config) => config.Subnet).filter(Boolean);
  if (spec.subnet) expect('subnets', spec.subnet, subnets.join(','));
  for (const [key, value] of Object.entries(labels)) expect(`label ${key}`, value, actual.Labels?.[key]);
  return drift;
}
