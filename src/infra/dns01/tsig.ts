// TSIG (RFC 8945) with HMAC-SHA256: signs a DNS message and verifies the server's signed answer. Written
// here (dns-packet has no TSIG signing) rather than driving `nsupdate`: no child process, no key file
// on disk, no extra package on the host, and errors we can name exactly; the same code runs in a container.
// Must never log the secret or a MAC, and never accept an unsigned or wrongly signed answer as success.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeName, encodeName } from './dns-wire.ts';

export const TSIG_ALGORITHM = 'hmac-sha256';
const TYPE_TSIG = 250;
const CLASS_ANY = 255;
/** Seconds a signature's time may differ from the verifier's clock (RFC 8945 recommends 300). */
export const TSIG_FUDGE = 300;

export interface TsigKey {
  /** The key's name as the server knows it (e.g. `berth-acme`). */
  name: string;
  /** Base64 secret (what `tsig-keygen` prints). */
  secret: string;
}

/** TSIG errors (RFC 8945 §5.3) in plain words. */
export const TSIG_ERRORS: Record<number, string> = {
  16: 'BADSIG: the signature did not verify — the TSIG secret does not match the server\'s key',
  17: 'BADKEY: the server does not know this TSIG key name or algorithm',
  18: 'BADTIME: the signing time is too far from the server\'s clock',
  22: 'BADTRUNC: the server refused the truncated MAC',
};

function wireName(name: string): Buffer {
  return encodeName(name.toLowerCase());
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function u48(value: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(value, 0, 6);
  return b;
}

/** The TSIG variables that go into the MAC after the message (§4.3.3). */
function tsigVariables(key: TsigKey, timeSigned: number, error: number, other: Buffer): Buffer {
  return Buffer.concat([wireName(key.name), u16(CLASS_ANY), Buffer.alloc(4), wireName(TSIG_ALGORITHM), u48(timeSigned), u16(TSIG_FUDGE), u16(error), u16(other.length), other]);
}

function hmac(key: TsigKey, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha256', Buffer.from(key.secret, 'base64'));
  for (const part of parts) h.update(part);
  return h.digest();
}

/** Appends a TSIG record to `message` (ARCOUNT incremented); returns the signed message and its MAC. */
export function signMessage(message: Buffer, key: TsigKey, now = Date.now()): { signed: Buffer; mac: Buffer } {
  const timeSigned = Math.floor(now / 1000);
  const mac = hmac(key, message, tsigVariables(key, timeSigned, 0, Buffer.alloc(0)));
  const rdata = Buffer.concat([wireName(TSIG_ALGORITHM), u48(timeSigned), u16(TSIG_FUDGE), u16(mac.length), mac, u16(message.readUInt16BE(0)), u16(0), u16(0)]);
  const rr = Buffer.concat([wireName(key.name), u16(TYPE_TSIG), u16(CLASS_ANY), Buffer.alloc(4), u16(rdata.length), rdata]);
  const signed = Buffer.concat([message, rr]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { signed, mac };
}

const skipName = (buf: Buffer, offset: number) => decodeName(buf, offset).end;

export interface TsigRecord {
  /** Where the TSIG record starts in the message. */
  offset: number;
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

/** The message's TSIG record (the last additional record), or undefined when it is unsigned. */
export function readTsig(message: Buffer): TsigRecord | undefined {
  const counts = [4, 6, 8, 10].map((at) => message.readUInt16BE(at));
  const [qd, an, ns, ar] = counts as [number, number, number, number];
  if (ar === 0) return undefined;
  let offset = 12;
  for (let i = 0; i < qd; i++) offset = skipName(message, offset) + 4;
  let last = offset;
  for (let i = 0; i < an + ns + ar; i++) {
    last = offset;
    offset = skipName(message, offset);
    offset += 10 + message.readUInt16BE(offset + 8);
  }
  const typeAt = skipName(message, last);
  if (message.readUInt16BE(typeAt) !== TYPE_TSIG) return undefined;
  const keyName = decodeName(message, last).name;
  let p = typeAt + 10;
  const algorithm = decodeName(message, p).name;
  p = skipName(message, p);
  const timeSigned = message.readUIntBE(p, 6);
  const fudge = message.readUInt16BE(p + 6);
  const macSize = message.readUInt16BE(p + 8);
  const mac = message.subarray(p + 10, p + 10 + macSize);
  p += 10 + macSize;
  const originalId = message.readUInt16BE(p);
  const error = message.readUInt16BE(p + 2);
  const otherLen = message.readUInt16BE(p + 4);
  return { offset: last, keyName, algorithm, timeSigned, fudge, mac, originalId, error, other: message.subarray(p + 6, p + 6 + otherLen) };
}

export type TsigVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks the server's answer to a request signed with `requestMac` (§5.3): it must carry a TSIG record by
 * the same key and algorithm, a MAC over (request MAC, answer without TSIG, TSIG variables) that
 * verifies, and a time within the fudge. A TSIG error from the server is returned in plain words.
 */
export function verifyResponse(response: Buffer, requestMac: Buffer, key: TsigKey, now = Date.now()): TsigVerdict {
  const tsig = readTsig(response);
  if (!tsig) return { ok: false, reason: 'the answer is not signed (TSIG missing): the server may not know the key, or something in between answered' };
  if (tsig.error !== 0) return { ok: false, reason: TSIG_ERRORS[tsig.error] ?? `TSIG error ${tsig.error}` };
  if (tsig.keyName.toLowerCase() !== key.name.toLowerCase().replace(/\.$/, '') || tsig.algorithm.toLowerCase() !== TSIG_ALGORITHM) {
    return { ok: false, reason: `the answer is signed with another key (${tsig.keyName}, ${tsig.algorithm})` };
  }
  const unsigned = Buffer.from(response.subarray(0, tsig.offset));
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  unsigned.writeUInt16BE(tsig.originalId, 0);
  const expected = hmac(key, u16(requestMac.length), requestMac, unsigned, tsigVariables(key, tsig.timeSigned, tsig.error, tsig.other));
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected)) {
    return { ok: false, reason: 'the answer\'s TSIG signature does not verify with our key' };
  }
  if (Math.abs(Math.floor(now / 1000) - tsig.timeSigned) > tsig.fudge) return { ok: false, reason: 'the answer\'s TSIG time is outside the allowed clock difference' };
  return { ok: true };
}
