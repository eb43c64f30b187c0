// The drain half of a switch: after the proxy has stopped choosing the old addresses, wait until none
// of them still holds a request, reading Caddy's own count (GET /reverse_proxy/upstreams: an entry
// exists only while something holds it, keyed by `ip:port` across every route).
// Must never decide the drain from a guess (a sleep) instead of the proxy's count, and never wait
// without a deadline or ignore the AbortSignal.
import { setTimeout as delay } from 'node:timers/promises';
import type { UpstreamUsage } from '../../infra/proxy/index.ts';
import { DrainTimeout, type PendingUpstream } from './errors.ts';

export interface DrainOptions {
  /** Reads the proxy's per-address request counts. */
  upstreams: (options: { signal?: AbortSignal }) => Promise<UpstreamUsage[]>;
  /** For the error message: the upstream name being switched. */
  name: string;
  /** IPv4 addresses of the old release (any port). */
  ips: readonly string[];
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** A pause that rejects with the signal's own reason (not a generic AbortError) when aborted. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  }
}

/** `10.0.10.5:8080` → `10.0.10.5`. */
export function hostOfAddress(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon === -1 ? address : address.slice(0, colon);
}

/** Old addresses with requests in flight, per Caddy's count. */
export function busyAddresses(usage: readonly UpstreamUsage[], ips: ReadonlySet<string>): PendingUpstream[] {
  return usage
    .filter((entry) => ips.has(hostOfAddress(entry.address)) && entry.num_requests > 0)
    .map((entry) => ({ address: entry.address, numRequests: entry.num_requests }));
}

/** Resolves when no old address holds a request; DrainTimeout at the deadline; rejects when aborted. */
export async function waitForDrain(options: DrainOptions): Promise<void> {
  const ips = new Set(options.ips);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const busy = busyAddresses(await options.upstreams({ signal: options.signal }), ips);
    if (busy.length === 0) return;
    if (Date.now() >= deadline) throw new DrainTimeout(options.name, options.timeoutMs, busy);
    await pause(options.pollMs ?? 100, options.signal);
  }
}
