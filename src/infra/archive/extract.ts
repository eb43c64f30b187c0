// Extracts an uploaded source archive (.tar.gz or plain .tar) into a fresh directory, checking every
// member before it is written and counting bytes while the archive streams (a decompression bomb is
// stopped at the limit, not after it has filled the disk). On any failure the directory is removed.
// Must never write outside `dest`, follow a link out of it, create device files, or set owners and
// setuid bits from the archive.
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarFs from 'tar-fs';
import { ArchiveRejected } from './errors.ts';
import { DEFAULT_LIMITS, admitEntry, emptyTally, type ArchiveLimits, type EntryHeader } from './entries.ts';

export type ArchiveFormat = 'tar.gz' | 'tar';

export interface ExtractArchiveOptions {
  /** The uploaded file (uploads are written to disk, size-capped, before they are extracted). */
  file: string;
  /** Created by the call; if it exists it must be an empty directory. Removed again on failure. */
  dest: string;
  limits?: Partial<ArchiveLimits>;
  signal?: AbortSignal;
}

export interface ExtractedArchive {
  format: ArchiveFormat;
  entries: number;
  /** Uncompressed bytes of the files written. */
  bytes: number;
}

/** tar headers and pax records around the file data: 512-byte blocks, a few per member. */
const HEADER_ALLOWANCE_PER_ENTRY = 3 * 512;
const HEADER_ALLOWANCE = 1024 * 1024;

async function sniffFormat(file: string): Promise<ArchiveFormat> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(512);
  try {
    await handle.read(head, 0, 512, 0);
  } finally {
    await handle.close();
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  if (head.subarray(0, 2).toString('latin1') === 'PK') {
    throw new ArchiveRejected('unsupported-format', 'zip archives are not supported yet; upload a .tar.gz');
  }
  throw new ArchiveRejected('unsupported-format', 'expected a .tar.gz or .tar archive');
}

async function createEmptyDir(dest: string): Promise<void> {
  try {
    await mkdir(dest, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if ((await readdir(dest)).length > 0) throw new Error(`extraction target ${dest} is not empty`);
  }
}

/** Counts every decompressed byte (file data, headers, pax records) and stops the stream at `cap`. */
function byteCap(cap: number, maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > cap) callback(new ArchiveRejected('too-large', `archive expands to more than ${maxBytes} bytes (stopped while decompressing)`));
      else callback(null, chunk);
    },
  });
}

/** Errors from zlib, tar-stream and tar-fs's own checks, as rejections; anything else (disk, abort) as is. */
function asRejection(err: unknown): unknown {
  if (err instanceof ArchiveRejected) return err;
  const failure = err as NodeJS.ErrnoException;
  if (typeof failure?.code === 'string' && failure.code.startsWith('Z_')) {
    return new ArchiveRejected('corrupt', `the archive is not valid gzip: ${failure.message}`, undefined, { cause: err });
  }
  if (/Invalid tar header|Unexpected end of data|Invalid pax header/i.test(failure?.message ?? '')) {
    return new ArchiveRejected('corrupt', `the archive is not a valid tar file: ${failure.message}`, undefined, { cause: err });
  }
  if (/is not a valid (symlink|hardlink|path)|unsupported type/i.test(failure?.message ?? '')) {
    return new ArchiveRejected('link-escape', failure.message, undefined, { cause: err });
  }
  return err;
}

export async function extractArchive(options: ExtractArchiveOptions): Promise<ExtractedArchive> {
  const limits: ArchiveLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const format = await sniffFormat(options.file);
  await createEmptyDir(options.dest);
  const tally = emptyTally();
  const extract = tarFs.extract(options.dest, {
    // `ignore` sees each header before tar-fs writes anything: the one place to refuse a member.
    ignore: (_name: string, header?: EntryHeader) => {
      try {
        admitEntry(header ?? { name: _name, type: 'file' }, tally, limits);
        return false;
      } catch (err) {
        extract.destroy(err as Error);
        return true;
      }
    },
    chown: false,
    dmode: 0o755,
    fmode: 0o644,
    strict: true,
  } as tarFs.ExtractOptions);
  const cap = limits.maxBytes + limits.maxEntries * HEADER_ALLOWANCE_PER_ENTRY + HEADER_ALLOWANCE;
  try {
    await pipeline(
      [createReadStream(options.file), ...(format === 'tar.gz' ? [createGunzip()] : []), byteCap(cap, limits.maxBytes), extract],
      { signal: options.signal },
    );
  } catch (err) {
    await rm(options.dest, { recursive: true, force: true });
    throw asRejection(err);
  }
  return { format, entries: tally.entries, bytes: tally.bytes };
}
