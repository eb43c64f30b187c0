// DNS messages over the wire for DNS-01: one request/response exchange over UDP (falling back to TCP when
// the answer is truncated) or TCP, and a TXT query used to see whether a challenge record is visible.
// dns-packet encodes and decodes; this file only moves bytes. Must never send to anything but the server
// it is given, and never wait without a timeout.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { randomInt } from 'node:crypto';
import * as packet from 'dns-packet';

export interface DnsServer {
  host: string;
  port: number;
}

export type DnsTransport = 'udp' | 'tcp';

/** `host`, `host:port` or `[v6]:port` → a server (default port 53). */
export function parseDnsServer(value: string, defaultPort = 53): DnsServer {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  const parts = value.split(':');
  if (parts.length === 2) return { host: parts[0]!, port: Number(parts[1]) };
  return { host: value, port: defaultPort };
}

const TC_FLAG = 0x0200;

export function messageId(message: Buffer): number {
  return message.readUInt16BE(0);
}

function udpExchange(server: DnsServer, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new Error(`no answer from ${server.host}:${server.port} over UDP within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | null, reply?: Buffer) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    socket.on('error', (err) => finish(err));
    socket.on('message', (reply) => {
      // A stray datagram with another ID is not our answer.
      if (reply.length >= 12 && messageId(reply) === messageId(message)) finish(null, reply);
    });
    socket.send(message, server.port, server.host, (err) => err && finish(err));
  });
}

function tcpExchange(server: DnsServer, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no answer from ${server.host}:${server.port} over TCP within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | null, reply?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    socket.on('error', (err) => finish(err));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) finish(null, buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
    });
    socket.on('end', () => finish(new Error(`${server.host}:${server.port} closed the TCP connection without a whole answer`)));
  });
}

/** Sends one message and returns the raw answer. UDP answers with the TC flag are asked again over TCP. */
export async function exchange(server: DnsServer, message: Buffer, opts: { transport?: DnsTransport; timeoutMs?: number } = {}): Promise<Buffer> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  if (opts.transport === 'tcp') return tcpExchange(server, message, timeoutMs);
  const reply = await udpExchange(server, message, timeoutMs);
  return reply.readUInt16BE(2) & TC_FLAG ? tcpExchange(server, message, timeoutMs) : reply;
}

/** The TXT values at `name` as `server` answers them now (each record's strings joined). NXDOMAIN → []. */
export async function queryTxt(server: DnsServer, name: string, opts: { transport?: DnsTransport; timeoutMs?: number } = {}): Promise<string[]> {
  const query = packet.encode({ type: 'query', id: randomInt(0, 0x10000), flags: 0, questions: [{ type: 'TXT', class: 'IN', name }] });
  const raw = await exchange(server, query, opts);
  const rcode = raw.readUInt16BE(2) & 0x000f;
  // 0 NOERROR, 3 NXDOMAIN: both are answers (the record is there or not).
  if (rcode !== 0 && rcode !== 3) throw new Error(`${server.host}:${server.port} answered RCODE ${rcode} for TXT ${name}`);
  const reply = packet.decode(raw);
  return (reply.answers ?? [])
    .filter((a): a is packet.TxtAnswer => a.type === 'TXT' && a.name.toLowerCase() === name.toLowerCase())
    .map((a) => (Array.isArray(a.data) ? a.data : [a.data]).map((part) => part.toString()).join(''));
}

/** A name in uncompressed wire form (labels; the root is a single zero byte). Case is kept. */
export function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new Error(`DNS label longer than 63 bytes in ${name}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** The name at `offset` (following compression pointers) and the offset just past it in place. */
export function decodeName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let end = -1;
  let at = offset;
  for (let hops = 0; hops < 128; hops++) {
    const len = buf[at];
    if (len === undefined) throw new Error('truncated DNS name');
    if (len === 0) return { name: labels.join('.'), end: end === -1 ? at + 1 : end };
    if ((len & 0xc0) === 0xc0) {
      if (end === -1) end = at + 2;
      at = buf.readUInt16BE(at) & 0x3fff;
      continue;
    }
    labels.push(buf.toString('ascii', at + 1, at + 1 + len));
    at += 1 + len;
  }
  throw new Error('DNS name compression loop');
}

/** TXT RDATA: the value as character-strings of at most 255 bytes each. */
export function encodeTxtData(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
    if (bytes.length === 0) break;
  }
  return Buffer.concat(parts);
}
