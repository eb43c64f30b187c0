// DNS-01 through Amazon Route 53 (@aws-sdk/client-route-53) with an access key limited to the hosted
// zone (route53:ChangeResourceRecordSets, ListResourceRecordSets, GetChange; ListHostedZonesByName when
// no zone id is given). Route 53 holds one record set per name and type, so present/cleanup read the
// set and UPSERT it with the value added or removed (DELETE when none is left) — the wildcard and its
// base name share `_acme-challenge.<base>`, so callers serialise changes to one name (acme/dns01.ts
// does). Visibility = GetChange reports INSYNC. Must never log the secret access key.
import type * as Route53 from '@aws-sdk/client-route-53';
import type { ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { Dns01Error, inZone, pollUntil, trimDot, type Dns01Provider, type WaitOptions } from './provider.ts';

export interface Route53Options {
  accessKeyId: string;
  secretAccessKey: string;
  /** The zone's name (e.g. `example.com`). */
  zone: string;
  /** `Z…`; looked up by name when absent. */
  hostedZoneId?: string;
  /** Default us-east-1 (Route 53 is global). */
  region?: string;
  /** Tests point it at a recording server. */
  endpoint?: string;
  ttl?: number;
}

const quote = (value: string) => `"${value}"`;

// The SDK (~15 MiB resident) is loaded when a Route 53 provider first talks to AWS, not at boot.
let sdk: Promise<typeof Route53> | undefined;
const loadSdk = (): Promise<typeof Route53> => (sdk ??= import('@aws-sdk/client-route-53'));

export class Route53Provider implements Dns01Provider {
  readonly type = 'route53' as const;
  #client: Route53Client | undefined;
  #zoneId: Promise<string> | undefined;
  /** The change that last touched a name+value: what waitUntilVisible waits for. */
  readonly #changes = new Map<string, string>();

  constructor(private readonly opts: Route53Options) {}

  async present(fqdn: string, value: string): Promise<void> {
    const current = await this.#recordSet(fqdn);
    const values = (current?.ResourceRecords ?? []).map((r) => r.Value!).filter(Boolean);
    if (values.includes(quote(value))) return;
    const changeId = await this.#change(fqdn, 'UPSERT', { Name: trimDot(fqdn), Type: 'TXT', TTL: this.opts.ttl ?? 60, ResourceRecords: [...values, quote(value)].map((Value) => ({ Value })) }, 'add');
    this.#changes.set(`${trimDot(fqdn)} ${value}`, changeId);
  }

  async cleanup(fqdn: string, value: string): Promise<void> {
    const current = await this.#recordSet(fqdn);
    if (!current?.ResourceRecords?.some((r) => r.Value === quote(value))) return;
    const rest = current.ResourceRecords.filter((r) => r.Value !== quote(value));
    // DELETE must name the set exactly as it is; UPSERT keeps other values someone else put there.
    if (rest.length === 0) await this.#change(fqdn, 'DELETE', current, 'delete');
    else await this.#change(fqdn, 'UPSERT', { ...current, ResourceRecords: rest }, 'delete');
    this.#changes.delete(`${trimDot(fqdn)} ${value}`);
  }

  async waitUntilVisible(fqdn: string, value: string, opts: WaitOptions = {}): Promise<void> {
    const id = this.#changes.get(`${trimDot(fqdn)} ${value}`);
    if (!id) return; // the value was already there before this provider added it
    await pollUntil(
      async () => (await this.#send((aws, client) => client.send(new aws.GetChangeCommand({ Id: id })), `read the status of change ${id}`)).ChangeInfo?.Status === 'INSYNC',
      `Route 53 did not report the change of ${fqdn} INSYNC`,
      { ...opts, intervalMs: 2000 },
    );
  }

  async #recordSet(fqdn: string): Promise<ResourceRecordSet | undefined> {
    const name = trimDot(fqdn);
    const HostedZoneId = await this.#hostedZoneId(fqdn);
    const out = await this.#send(
      (aws, client) => client.send(new aws.ListResourceRecordSetsCommand({ HostedZoneId, StartRecordName: name, StartRecordType: 'TXT', MaxItems: 1 })),
      `read the TXT record ${fqdn}`,
    );
    // The list starts at the name; the first set may be a later one when ours does not exist.
    return out.ResourceRecordSets?.find((s) => s.Type === 'TXT' && trimDot(s.Name ?? '').toLowerCase() === name.toLowerCase());
  }

  async #change(fqdn: string, action: 'UPSERT' | 'DELETE', set: ResourceRecordSet, what: string): Promise<string> {
    const HostedZoneId = await this.#hostedZoneId(fqdn);
    const out = await this.#send(
      (aws, client) => client.send(new aws.ChangeResourceRecordSetsCommand({ HostedZoneId, ChangeBatch: { Comment: 'ACME DNS-01 challenge (Berth)', Changes: [{ Action: action, ResourceRecordSet: set }] } })),
      `${what} the TXT record ${fqdn}`,
    );
    return out.ChangeInfo!.Id!;
  }

  #hostedZoneId(fqdn: string): Promise<string> {
    if (!inZone(fqdn, this.opts.zone)) return Promise.reject(new Dns01Error(`${fqdn} is not inside the zone ${this.opts.zone}`));
    this.#zoneId ??= this.#lookupZone().catch((err: unknown) => {
      this.#zoneId = undefined;
      throw err;
    });
    return this.#zoneId;
  }

  async #lookupZone(): Promise<string> {
    if (this.opts.hostedZoneId) return this.opts.hostedZoneId;
    const zone = trimDot(this.opts.zone).toLowerCase();
    const out = await this.#send((aws, client) => client.send(new aws.ListHostedZonesByNameCommand({ DNSName: zone, MaxItems: 1 })), `find the hosted zone ${zone}`);
    const found = out.HostedZones?.find((z) => trimDot(z.Name ?? '').toLowerCase() === zone && !z.Config?.PrivateZone);
    if (!found?.Id) throw new Dns01Error(`Route 53 has no public hosted zone named ${zone} that these credentials can see`);
    return found.Id.replace(/^\/hostedzone\//, '');
  }

  /** Runs one call with the SDK and this provider's client (both made on first use); errors become Dns01Error. */
  async #send<T>(call: (aws: typeof Route53, client: Route53Client) => Promise<T>, what: string): Promise<T> {
    try {
      const aws = await loadSdk();
      this.#client ??= new aws.Route53Client({
        region: this.opts.region ?? 'us-east-1',
        credentials: { accessKeyId: this.opts.accessKeyId, secretAccessKey: this.opts.secretAccessKey },
        maxAttempts: 2,
        ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
      });
      return await call(aws, this.#client);
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode ? `HTTP ${e.$metadata.httpStatusCode} ` : '';
      throw new Dns01Error(`Route 53 refused to ${what}: ${status}${e.name}: ${e.message}`, { cause: err });
    }
  }
}
