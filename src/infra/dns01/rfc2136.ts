// DNS-01 through RFC 2136 dynamic updates signed with TSIG (hmac-sha256): works with any server that
// accepts them — BIND (`allow-update { key … }`), PowerDNS (TSIG-ALLOW-DNSUPDATE), Knot (ACL with
// action update). An update adds or deletes exactly one TXT RR (class NONE delete), so values someone
// else put at the same name stay. Visibility is checked by asking the primary itself (plus any listed
// secondaries) for the TXT. Must never send an unsigned update or trust an unsigned answer.
import { randomInt } from 'node:crypto';
import { encodeName, encodeTxtData, exchange, queryTxt, type DnsServer, type DnsTransport } from './dns-wire.ts';
import { Dns01Error, inZone, pollUntil, trimDot, type Dns01Provider, type WaitOptions } from './provider.ts';
import { signMessage, verifyResponse, type TsigKey } from './tsig.ts';

export interface Rfc2136Options {
  /** The primary that accepts updates. */
  server: DnsServer;
  /** The zone to update (e.g. `example.com`). */
  zone: string;
  key: TsigKey;
  /** Default `udp` (TCP is used anyway when a UDP answer is truncated). */
  transport?: DnsTransport;
  /** TTL of the challenge record; default 60 s. */
  ttl?: number;
  /** Extra servers that must see the record too (secondaries); the primary is always asked. */
  checkServers?: DnsServer[];
  timeoutMs?: number;
}

const OPCODE_UPDATE = 5 << 11;
const TYPE_SOA = 6;
const TYPE_TXT = 16;
const CLASS_IN = 1;
const CLASS_NONE = 254;

/** RCODEs an update can get (RFC 2136 §2.2, RFC 8945), in plain words. */
const RCODES: Record<number, string> = {
  1: 'FORMERR: the server could not parse the update',
  2: 'SERVFAIL: the server failed to apply the update',
  3: 'NXDOMAIN: a prerequisite name does not exist',
  4: 'NOTIMP: the server does not support dynamic updates',
  5: 'REFUSED: the server refused the update (is the key allowed to update this zone?)',
  6: 'YXDOMAIN: a name exists that should not',
  7: 'YXRRSET: a record set exists that should not',
  8: 'NXRRSET: a record set that should exist does not',
  9: 'NOTAUTH: the server is not authoritative for the zone, or did not accept the TSIG key',
  10: 'NOTZONE: the name is not inside the zone',
};

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

/** An UPDATE message: the zone, and one TXT RR added (class IN) or deleted (class NONE, TTL 0). */
export function updateMessage(opts: { id: number; zone: string; fqdn: string; value: string; action: 'add' | 'delete'; ttl: number }): Buffer {
  const header = Buffer.concat([u16(opts.id), u16(OPCODE_UPDATE), u16(1), u16(0), u16(1), u16(0)]);
  const zone = Buffer.concat([encodeName(opts.zone), u16(TYPE_SOA), u16(CLASS_IN)]);
  const rdata = encodeTxtData(opts.value);
  const rr = Buffer.concat([
    encodeName(opts.fqdn),
    u16(TYPE_TXT),
    u16(opts.action === 'add' ? CLASS_IN : CLASS_NONE),
    u32(opts.action === 'add' ? opts.ttl : 0),
    u16(rdata.length),
    rdata,
  ]);
  return Buffer.concat([header, zone, rr]);
}

export class Rfc2136Provider implements Dns01Provider {
  readonly type = 'rfc2136' as const;

  constructor(private readonly opts: Rfc2136Options) {}

  present(fqdn: string, value: string): Promise<void> {
    return this.#update(fqdn, value, 'add');
  }

  cleanup(fqdn: string, value: string): Promise<void> {
    return this.#update(fqdn, value, 'delete');
  }

  async waitUntilVisible(fqdn: string, value: string, opts: WaitOptions = {}): Promise<void> {
    const servers = [this.opts.server, ...(this.opts.checkServers ?? [])];
    await pollUntil(
      async () => (await Promise.all(servers.map((s) => queryTxt(s, trimDot(fqdn), { timeoutMs: 3000 })))).every((values) => values.includes(value)),
      `the TXT record ${fqdn} did not become visible on ${servers.map((s) => `${s.host}:${s.port}`).join(', ')}`,
      { ...opts, intervalMs: 500 },
    );
  }

  async #update(fqdn: string, value: string, action: 'add' | 'delete'): Promise<void> {
    const { server, zone, key } = this.opts;
    if (!inZone(fqdn, zone)) throw new Dns01Error(`${fqdn} is not inside the zone ${zone}`);
    const message = updateMessage({ id: randomInt(0, 0x10000), zone, fqdn, value, action, ttl: this.opts.ttl ?? 60 });
    const { signed, mac } = signMessage(message, key);
    const where = `the DNS server ${server.host}:${server.port}`;
    let reply: Buffer;
    try {
      reply = await exchange(server, signed, { transport: this.opts.transport ?? 'udp', timeoutMs: this.opts.timeoutMs ?? 5000 });
    } catch (err) {
      throw new Dns01Error(`${where} did not answer the update of ${fqdn}: ${(err as Error).message}`, { cause: err });
    }
    const verdict = verifyResponse(reply, mac, key);
    const rcode = reply.readUInt16BE(2) & 0x000f;
    // A TSIG problem is the clearer reason (BIND answers NOTAUTH + BADSIG/BADKEY for a wrong key).
    if (!verdict.ok) {
      const code = rcode ? ` (${(RCODES[rcode] ?? `RCODE ${rcode}`).split(':')[0]})` : '';
      throw new Dns01Error(`${where} rejected the update of ${fqdn} with the TSIG key "${key.name}": ${verdict.reason}${code}`);
    }
    if (rcode !== 0) throw new Dns01Error(`${where} rejected the update of ${fqdn} in zone ${zone}: ${RCODES[rcode] ?? `RCODE ${rcode}`}`);
  }
}
