// DNS-01 through Cloudflare's API v4 with an API token (permission: Zone → DNS → Edit), plain fetch.
// Every answer is the envelope { success, errors: [{ code, message }], messages, result }; a refusal
// becomes a Dns01Error with Cloudflare's own messages. Visibility: the zone's Cloudflare nameservers
// (from the zone object) are asked for the TXT directly. Must never log or echo the token.
import { promises as dns } from 'node:dns';
import { queryTxt, type DnsServer } from './dns-wire.ts';
import { Dns01Error, inZone, pollUntil, trimDot, type Dns01Provider, type WaitOptions } from './provider.ts';

export const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4';

export interface CloudflareOptions {
  apiToken: string;
  /** The zone's name (e.g. `example.com`). */
  zone: string;
  /** Skips the zone lookup when known. */
  zoneId?: string;
  /** Default CLOUDFLARE_API (tests point it at a recording server). */
  apiUrl?: string;
  /** Servers to ask for visibility instead of the zone's nameservers. */
  checkServers?: DnsServer[];
  ttl?: number;
}

interface Envelope<T> {
  success: boolean;
  errors?: { code: number; message: string }[];
  messages?: unknown[];
  result: T;
}

interface ZoneObject {
  id: string;
  name: string;
  name_servers?: string[];
}

interface DnsRecord {
  id: string;
  type: string;
  name: string;
  content: string;
}

/** Cloudflare's "an identical record already exists" (a repeated present is not an error). */
const IDENTICAL_RECORD = 81058;

/** Cloudflare recommends quoted TXT content; answers may come back either way. */
const unquote = (content: string) => (content.length >= 2 && content.startsWith('"') && content.endsWith('"') ? content.slice(1, -1) : content);

export class CloudflareProvider implements Dns01Provider {
  readonly type = 'cloudflare' as const;
  #zone: Promise<ZoneObject> | undefined;

  constructor(private readonly opts: CloudflareOptions) {}

  async present(fqdn: string, value: string): Promise<void> {
    const zoneId = await this.#zoneId(fqdn);
    const body = { type: 'TXT', name: trimDot(fqdn), content: `"${value}"`, ttl: this.opts.ttl ?? 60, comment: 'ACME DNS-01 challenge (Berth)' };
    await this.#call<DnsRecord>('POST', `/zones/${zoneId}/dns_records`, body, `add the TXT record ${fqdn}`, [IDENTICAL_RECORD]);
  }

  async cleanup(fqdn: string, value: string): Promise<void> {
    const zoneId = await this.#zoneId(fqdn);
    const query = new URLSearchParams({ type: 'TXT', name: trimDot(fqdn), per_page: '100' });
    const records = await this.#call<DnsRecord[]>('GET', `/zones/${zoneId}/dns_records?${query}`, undefined, `list the TXT records ${fqdn}`);
    for (const record of (records ?? []).filter((r) => unquote(r.content) === value)) {
      await this.#call('DELETE', `/zones/${zoneId}/dns_records/${encodeURIComponent(record.id)}`, undefined, `delete the TXT record ${fqdn}`);
    }
  }

  async waitUntilVisible(fqdn: string, value: string, opts: WaitOptions = {}): Promise<void> {
    const servers = this.opts.checkServers ?? (await this.#nameservers(fqdn));
    await pollUntil(
      async () => (await Promise.all(servers.map((s) => queryTxt(s, trimDot(fqdn), { timeoutMs: 3000 })))).every((values) => values.includes(value)),
      `the TXT record ${fqdn} did not become visible on Cloudflare's nameservers`,
      { ...opts, intervalMs: 2000 },
    );
  }

  async #nameservers(fqdn: string): Promise<DnsServer[]> {
    const names = (await this.#zoneObject(fqdn)).name_servers ?? [];
    if (names.length === 0) throw new Dns01Error(`Cloudflare did not name the nameservers of zone ${this.opts.zone}`);
    const addresses = await Promise.all(names.map((name) => dns.resolve4(name).catch(() => [] as string[])));
    return addresses.flat().map((host) => ({ host, port: 53 }));
  }

  /** The zone's id: the configured one, or looked up by name (needs Zone → Zone → Read). */
  async #zoneId(fqdn: string): Promise<string> {
    if (!inZone(fqdn, this.opts.zone)) throw new Dns01Error(`${fqdn} is not inside the zone ${this.opts.zone}`);
    return this.opts.zoneId ? encodeURIComponent(this.opts.zoneId) : encodeURIComponent((await this.#zoneObject(fqdn)).id);
  }

  #zoneObject(fqdn: string): Promise<ZoneObject> {
    if (!inZone(fqdn, this.opts.zone)) return Promise.reject(new Dns01Error(`${fqdn} is not inside the zone ${this.opts.zone}`));
    this.#zone ??= this.#lookupZone().catch((err: unknown) => {
      this.#zone = undefined;
      throw err;
    });
    return this.#zone;
  }

  async #lookupZone(): Promise<ZoneObject> {
    if (this.opts.zoneId) return this.#call<ZoneObject>('GET', `/zones/${encodeURIComponent(this.opts.zoneId)}`, undefined, `read the zone ${this.opts.zone}`);
    const zones = await this.#call<ZoneObject[]>('GET', `/zones?${new URLSearchParams({ name: trimDot(this.opts.zone) })}`, undefined, `find the zone ${this.opts.zone}`);
    const zone = (zones ?? []).find((z) => z.name.toLowerCase() === trimDot(this.opts.zone).toLowerCase());
    if (!zone) throw new Dns01Error(`Cloudflare has no zone named ${this.opts.zone} that this API token can see`);
    return zone;
  }

  async #call<T>(method: string, path: string, body: unknown, what: string, tolerated: number[] = []): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.opts.apiUrl ?? CLOUDFLARE_API}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.opts.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new Dns01Error(`Cloudflare could not be reached to ${what}: ${(err as Error).message}`, { cause: err });
    }
    let envelope: Envelope<T> | undefined;
    try {
      envelope = (await response.json()) as Envelope<T>;
    } catch {
      envelope = undefined;
    }
    if (response.ok && envelope?.success) return envelope.result;
    const errors = envelope?.errors ?? [];
    if (errors.length > 0 && errors.every((e) => tolerated.includes(e.code))) return envelope!.result;
    const detail = errors.length > 0 ? errors.map((e) => `${e.message} (code ${e.code})`).join('; ') : `HTTP ${response.status} without an error message`;
    throw new Dns01Error(`Cloudflare refused to ${what}: ${detail}`);
  }
}
