// Public surface of Berth's DNS server for upstream names: import from here.
export { DnsServer, DEFAULT_DNS_PORT, type DnsAddress, type DnsServerOptions } from './server.ts';
export { RECORD_TTL_SECONDS, respond, type Lookup } from './answers.ts';
export { RecordStore, canonicalName } from './records.ts';
