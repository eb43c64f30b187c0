// The DNS-01 providers by type: stored configuration (non-secret settings + opened secrets) → a provider.
// Adding a provider = one file beside these and one case here.
import { CloudflareProvider } from './cloudflare.ts';
import { parseDnsServer } from './dns-wire.ts';
import type { Dns01Provider, Dns01ProviderType } from './provider.ts';
import { Rfc2136Provider } from './rfc2136.ts';
import { Route53Provider } from './route53.ts';

export type { Dns01Provider, Dns01ProviderType } from './provider.ts';
export { Dns01Error, WILDCARD_NAME, challengeRecordName, inZone } from './provider.ts';

export interface Dns01ProviderConfig {
  type: Dns01ProviderType;
  zone: string;
  /** Non-secret fields as stored (server, keyName, transport / zoneId / hostedZoneId, region). */
  settings: Record<string, string | number | undefined>;
  /** The secret fields, opened (keySecret / apiToken / secretAccessKey). */
  secrets: Record<string, string>;
}

const str = (v: string | number | undefined) => (v === undefined ? undefined : String(v));

export function createDns01Provider(c: Dns01ProviderConfig): Dns01Provider {
  switch (c.type) {
    case 'rfc2136':
      return new Rfc2136Provider({
        server: parseDnsServer(String(c.settings.server)),
        zone: c.zone,
        key: { name: String(c.settings.keyName), secret: c.secrets.keySecret! },
        transport: c.settings.transport === 'tcp' ? 'tcp' : 'udp',
      });
    case 'cloudflare': {
      const zoneId = str(c.settings.zoneId);
      return new CloudflareProvider({ apiToken: c.secrets.apiToken!, zone: c.zone, ...(zoneId ? { zoneId } : {}) });
    }
    case 'route53': {
      const hostedZoneId = str(c.settings.hostedZoneId);
      const region = str(c.settings.region);
      return new Route53Provider({
        accessKeyId: String(c.settings.accessKeyId),
        secretAccessKey: c.secrets.secretAccessKey!,
        zone: c.zone,
        ...(hostedZoneId ? { hostedZoneId } : {}),
        ...(region ? { region } : {}),
      });
    }
  }
}
