// The one interface every DNS-01 provider implements (RFC 2136, Cloudflare, Route 53): put the TXT record
// `_acme-challenge.<name>` = value in place, take it away again, and tell when it is visible where the CA
// looks. A provider adds one value beside others (a wildcard and its base name share one record name);
// it never replaces or deletes values it did not put there. Must never log or return credentials.
import { setTimeout as delay } from 'node:timers/promises';

export type Dns01ProviderType = 'rfc2136' | 'cloudflare' | 'route53';

export interface WaitOptions {
  /** Default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Dns01Provider {
  readonly type: Dns01ProviderType;
  /** Adds the TXT value at `fqdn` (idempotent: an existing identical value is kept). */
  present(fqdn: string, value: string): Promise<void>;
  /** Removes exactly that TXT value (absent: nothing to do). */
  cleanup(fqdn: string, value: string): Promise<void>;
  /** Resolves once the value is visible at the zone's authoritative servers (or the API reports it in sync). */
  waitUntilVisible(fqdn: string, value: string, opts?: WaitOptions): Promise<void>;
}

/** A provider refused or could not be reached; the message is in plain words and carries no secret. */
export class Dns01Error extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Dns01Error';
  }
}

/** Where DNS-01 looks for an identifier (`*.example.com` and `example.com` both → `_acme-challenge.example.com`). */
export function challengeRecordName(identifier: string): string {
  return `_acme-challenge.${identifier.replace(/^\*\./, '')}`;
}

/** `fqdn` lies in `zone` (equal, or a subdomain of it); both compared without a trailing dot, case-insensitively. */
export function inZone(fqdn: string, zone: string): boolean {
  const name = trimDot(fqdn).toLowerCase();
  const apex = trimDot(zone).toLowerCase();
  return name === apex || name.endsWith(`.${apex}`);
}

export function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Polls `check` every `intervalMs` until it returns true, the timeout passes (Dns01Error `what`) or `signal` aborts. */
export async function pollUntil(check: () => Promise<boolean>, what: string, opts: WaitOptions & { intervalMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let last: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      if (await check()) return;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Dns01Error(`${what} within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s${why}`, { cause: last });
    }
    // Aborted mid-sleep: throw the signal's own reason (cancel, timeout…), as throwIfAborted does.
    await delay(opts.intervalMs ?? 1000, undefined, opts.signal ? { signal: opts.signal } : {}).catch((err: unknown) => {
      opts.signal?.throwIfAborted();
      throw err;
    });
  }
}

/** `*.example.com`: one wildcard label in front of a hostname (only DNS-01 can validate these). */
export const WILDCARD_NAME = /^\*\.(?=.{1,251}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
