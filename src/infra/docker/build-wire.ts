// The little of the protobuf wire format that BuildKit's session and progress records need: read a
// message into its fields, write length-delimited and varint fields. Pure.
// Must never read past a buffer's end or accept a field it cannot skip (it throws instead).

export interface WireField {
  field: number;
  /** Varints (and fixed-width numbers) as numbers; length-delimited fields as bytes. */
  value: number | Buffer;
}

function readVarint(buffer: Buffer, offset: number): [value: number, next: number] {
  let value = 0;
  let factor = 1;
  for (let i = offset; i < buffer.length && i < offset + 10; i++) {
    const byte = buffer[i] ?? 0;
    value += (byte & 0x7f) * factor;
    factor *= 128;
    if ((byte & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('protobuf: truncated varint');
}

/** The fields of one message, in order (repeated fields appear several times). */
export function readFields(buffer: Buffer): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const [key, afterKey] = readVarint(buffer, offset);
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === 0) {
      const [value, next] = readVarint(buffer, afterKey);
      fields.push({ field, value });
      offset = next;
    } else if (wireType === 2) {
      const [length, start] = readVarint(buffer, afterKey);
      if (start + length > buffer.length) throw new Error('protobuf: truncated field');
      fields.push({ field, value: buffer.subarray(start, start + length) });
      offset = start + length;
    } else if (wireType === 1 || wireType === 5) {
      const width = wireType === 1 ? 8 : 4;
      if (afterKey + width > buffer.length) throw new Error('protobuf: truncated field');
      fields.push({ field, value: wireType === 5 ? buffer.readUInt32LE(afterKey) : Number(buffer.readBigUInt64LE(afterKey)) });
      offset = afterKey + width;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

export function bytesField(field: number, value: Buffer | string): Buffer {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
  return Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
}

export function varintField(field: number, value: number): Buffer {
  return Buffer.concat([varint(field * 8), varint(value)]);
}

/** The first length-delimited field with this number, as text. */
export function stringOf(fields: WireField[], field: number): string {
  const found = fields.find((f) => f.field === field && Buffer.isBuffer(f.value));
  return found ? (found.value as Buffer).toString('utf8') : '';
}

export function messagesOf(fields: WireField[], field: number): WireField[][] {
  return fields.filter((f) => f.field === field && Buffer.isBuffer(f.value)).map((f) => readFields(f.value as Buffer));
}
