// Pure DNS message handling for Berth's upstream names, on dns-packet (the wire format is never parsed
// by hand): a query in, the response out. Known name: A → its addresses (TTL 1); any other type → an
// empty NOERROR marked authoritative (Go's resolver, inside Caddy, rejects an empty non-authoritative
// reply as a lame referral). Unknown name: NXDOMAIN. Not a standard query: NOTIMP.
// Must never do I/O, throw on malformed input, or answer with an empty A set for a known name.
import dnsPacket, { type Answer, type DecodedPacket, type Question } from 'dns-packet';

/** The records' TTL. Caddy ignores it (it caches for its own `refresh`); other resolvers must not cache longer. */
export const RECORD_TTL_SECONDS = 1;

/** Without EDNS a UDP answer must fit in 512 bytes. */
const CLASSIC_UDP_LIMIT = 512;
const OPCODE_QUERY = 0;

const RCODE = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4 } as const;

export type Lookup = (name: string) => readonly string[] | undefined;

function opcodeOf(flags: number): number {
  return (flags >> 11) & 0xf;
}

/** Response header flags: authoritative, the query's opcode and recursion-desired bit echoed, and the rcode. */
function responseFlags(query: DecodedPacket, rcode: number): number {
  const flags = query.flags ?? 0;
  return dnsPacket.AUTHORITATIVE_ANSWER | (flags & dnsPacket.RECURSION_DESIRED) | (opcodeOf(flags) << 11) | rcode;
}

function udpLimit(query: DecodedPacket): number {
  const opt = (query.additionals ?? []).find((record) => record.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(CLASSIC_UDP_LIMIT, Math.min(opt?.udpPayloadSize ?? CLASSIC_UDP_LIMIT, 4096));
}

function encodeResponse(query: DecodedPacket, rcode: number, questions: Question[], answers: Answer[]): Buffer {
  return dnsPacket.encode({ type: 'response', id: query.id, flags: responseFlags(query, rcode), questions, answers });
}

/** Drops trailing A records until the message fits: a subset of the addresses is still a valid answer. */
function fitted(query: DecodedPacket, question: Question, answers: Answer[]): Buffer {
  const limit = udpLimit(query);
  let kept = answers;
  let message = encodeResponse(query, RCODE.NOERROR, [question], kept);
  while (message.length > limit && kept.length > 1) {
    kept = kept.slice(0, -1);
    message = encodeResponse(query, RCODE.NOERROR, [question], kept);
  }
  return message;
}

/** The response to one UDP message, or undefined when it should be dropped (not a query, undecodable). */
export function respond(message: Buffer, lookup: Lookup): Buffer | undefined {
  let query: DecodedPacket;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  if (query.type !== 'query') return undefined;
  const questions = query.questions ?? [];
  const question = questions[0];
  if (opcodeOf(query.flags ?? 0) !== OPCODE_QUERY) return encodeResponse(query, RCODE.NOTIMP, questions, []);
  if (!question || questions.length !== 1) return encodeResponse(query, RCODE.FORMERR, questions, []);
  const addresses = question.class === 'IN' || question.class === undefined ? lookup(question.name) : undefined;
  if (!addresses) return encodeResponse(query, RCODE.NXDOMAIN, [question], []);
  if (question.type !== 'A') return encodeResponse(query, RCODE.NOERROR, [question], []);
  const answers: Answer[] = addresses.map((ip) => ({ type: 'A', class: 'IN', name: question.name, ttl: RECORD_TTL_SECONDS, data: ip }));
  return fitted(query, question, answers);
}
