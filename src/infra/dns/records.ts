// The answers Berth's DNS server gives: upstream name → the live release's task IPv4 addresses.
// Names are case-insensitive and may be written with or without the trailing dot.
// Must never hold an empty set for a name (Caddy turns an empty answer into 503s: publish the new
// addresses before withdrawing the old ones), and never accept a name or address it did not validate.
import { isIPv4 } from 'node:net';
import { Invalid } from '../../core/errors.ts';
import { UPSTREAM_NAME } from '../../plan/routes.ts';

/** `Web.Upstream.Berth.` → `web.upstream.berth`. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export class RecordStore {
  private readonly records = new Map<string, readonly string[]>();

  /** Replaces the addresses of `name`. Throws Invalid for an empty set, a bad name or a non-IPv4 address. */
  set(name: string, ipv4s: readonly string[]): void {
    const key = canonicalName(name);
    if (!UPSTREAM_NAME.test(key)) throw new Invalid([{ path: 'name', message: `"${name}" is not a DNS name` }]);
    if (ipv4s.length === 0) {
      throw new Invalid([{ path: 'ipv4s', message: `refusing an empty answer for ${key}: publish the new addresses before withdrawing the old ones` }]);
    }
    const bad = ipv4s.filter((ip) => !isIPv4(ip));
    if (bad.length > 0) throw new Invalid([{ path: 'ipv4s', message: `not IPv4 addresses: ${bad.join(', ')}` }]);
    this.records.set(key, [...new Set(ipv4s)].sort());
  }

  /** Forgets `name` (queries for it get NXDOMAIN); true when it was known. */
  remove(name: string): boolean {
    return this.records.delete(canonicalName(name));
  }

  /** The addresses of `name`, or undefined when it is unknown. */
  get(name: string): readonly string[] | undefined {
    return this.records.get(canonicalName(name));
  }

  names(): string[] {
    return [...this.records.keys()].sort();
  }

  /** Every record, for a snapshot: `{ name: [ips] }`, names sorted. */
  toJSON(): Record<string, string[]> {
    return Object.fromEntries(this.names().map((name) => [name, [...(this.records.get(name) ?? [])]]));
  }

  /** Loads a snapshot written by toJSON (each entry validated like `set`). */
  static fromJSON(snapshot: unknown): RecordStore {
    const store = new RecordStore();
    if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) {
      throw new Invalid([{ path: 'records', message: 'expected an object of name → IPv4 addresses' }]);
    }
    for (const [name, ips] of Object.entries(snapshot)) {
      if (!Array.isArray(ips) || !ips.every((ip) => typeof ip === 'string')) {
        throw new Invalid([{ path: `records/${name}`, message: 'expected a list of IPv4 addresses' }]);
      }
      store.set(name, ips);
    }
    return store;
  }
}
