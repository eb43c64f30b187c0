// extractArchive against crafted archives: a good one extracts exactly; hostile ones (path escapes,
// links out, devices, bombs) are refused, write nothing outside, and leave no directory behind.
// Archives are written here byte by byte (ustar), so a test can say exactly what a header claims.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { createGzip, gzipSync } from 'node:zlib';
import { ArchiveRejected, extractArchive, type ArchiveRejection } from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'berth-archive-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Member {
  name: string;
  /** ustar type flag: '0' file, '1' hardlink, '2' symlink, '3' char device, '4' block device, '5' dir, '6' fifo. */
  type?: string;
  body?: string;
  linkname?: string;
  mode?: number;
  /** What the header claims, when it should differ from the body. */
  size?: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(member: Member, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(member.name, 0, 100, 'utf8');
  block.write(octal(member.mode ?? 0o644, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(member.size ?? size, 12), 124);
  block.write(octal(1_700_000_000, 12), 136);
  block.write('        ', 148);
  block.write(member.type ?? '0', 156);
  block.write(member.linkname ?? '', 157, 100, 'utf8');
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148);
  return block;
}

function tar(members: Member[]): Buffer {
  const parts: Buffer[] = [];
  for (const member of members) {
    const body = Buffer.from(member.body ?? '');
    parts.push(header(member, body.length), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

let counter = 0;
function archiveFile(members: Member[], gzip = true): string {
  const file = join(root, `upload-${++counter}.${gzip ? 'tar.gz' : 'tar'}`);
  writeFileSync(file, gzip ? gzipSync(tar(members)) : tar(members));
  return file;
}

async function refused(file: string, reason: ArchiveRejection, limits = {}): Promise<ArchiveRejected> {
  const dest = join(root, `out-${++counter}`);
  let caught: unknown;
  try {
    await extractArchive({ file, dest, limits });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ArchiveRejected, `expected a rejection (${reason}), got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  assert.equal(existsSync(dest), false, 'the half-extracted directory is removed');
  return caught;
}

describe('extractArchive', () => {
  it('extracts files, directories and links that stay inside, with safe modes', async () => {
    const dest = join(root, 'good');
    const result = await extractArchive({
      file: archiveFile([
        { name: 'app/', type: '5', mode: 0o755 },
        { name: 'app/Dockerfile', body: 'FROM berth/node:20\n' },
        { name: 'app/run.sh', body: '#!/bin/sh\n', mode: 0o4755 },
        { name: 'app/latest', type: '2', linkname: 'Dockerfile' },
        { name: 'app/copy', type: '1', linkname: 'app/Dockerfile' },
      ]),
      dest,
    });
    assert.deepEqual(result, { format: 'tar.gz', entries: 5, bytes: 29 });
    assert.equal(readFileSync(join(dest, 'app/Dockerfile'), 'utf8'), 'FROM berth/node:20\n');
    assert.equal(readlinkSync(join(dest, 'app/latest')), 'Dockerfile');
    assert.equal(lstatSync(join(dest, 'app/copy')).ino, lstatSync(join(dest, 'app/Dockerfile')).ino);
    assert.equal(lstatSync(join(dest, 'app/run.sh')).mode & 0o7777, 0o755, 'setuid dropped');
  });

  it('extracts a plain tar too', async () => {
    const result = await extractArchive({ file: archiveFile([{ name: 'a.txt', body: 'a' }], false), dest: join(root, 'plain') });
    assert.equal(result.format, 'tar');
  });

  it('refuses ".." and absolute paths', async () => {
    await refused(archiveFile([{ name: '../escaped.txt', body: 'x' }]), 'path-escape');
    await refused(archiveFile([{ name: 'ok/../../escaped.txt', body: 'x' }]), 'path-escape');
    await refused(archiveFile([{ name: `${root}/absolute.txt`, body: 'x' }]), 'path-escape');
    assert.equal(existsSync(join(root, 'escaped.txt')), false);
    assert.equal(existsSync(join(root, 'absolute.txt')), false);
  });

  it('refuses symlinks and hardlinks pointing outside, and writes through a symlink', async () => {
    await refused(archiveFile([{ name: 'etc', type: '2', linkname: '/etc' }]), 'link-escape');
    await refused(archiveFile([{ name: 'up', type: '2', linkname: '../../..' }]), 'link-escape');
    await refused(archiveFile([{ name: 'a/b', type: '2', linkname: '../../outside' }]), 'link-escape');
    await refused(archiveFile([{ name: 'passwd', type: '1', linkname: '/etc/passwd' }]), 'link-escape');
    await refused(archiveFile([{ name: 'passwd', type: '1', linkname: '../../etc/passwd' }]), 'link-escape');
    await refused(archiveFile([{ name: 'here', type: '2', linkname: '.' }, { name: 'here/x', body: 'x' }]), 'link-escape');
  });

  it('refuses device files, fifos and duplicate members', async () => {
    await refused(archiveFile([{ name: 'null', type: '3' }]), 'special-file');
    await refused(archiveFile([{ name: 'disk', type: '4' }]), 'special-file');
    await refused(archiveFile([{ name: 'pipe', type: '6' }]), 'special-file');
    await refused(archiveFile([{ name: 'a', body: '1' }, { name: 'a', body: '2' }]), 'duplicate-entry');
  });

  it('refuses too many entries and oversize members by their headers', async () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, body: '' }));
    await refused(archiveFile(many), 'too-many-entries', { maxEntries: 10 });
    await refused(archiveFile([{ name: 'big', body: 'x'.repeat(2048) }]), 'too-large', { maxBytes: 1024 });
  });

  it('stops a decompression bomb at the limit while streaming', async () => {
    // 256 MiB of zeros behind a header claiming a small file: tar-stream would read it as padding and
    // junk headers; the byte cap stops the stream long before the disk sees it.
    const file = join(root, 'bomb.tar.gz');
    const zeros = Buffer.alloc(1024 * 1024);
    async function* bomb() {
      yield tar([{ name: 'small.txt', body: 'x' }]).subarray(0, 1024);
      for (let i = 0; i < 256; i++) yield zeros;
    }
    await pipeline(Readable.from(bomb()), createGzip(), createWriteStream(file));
    const started = performance.now();
    const err = await refused(file, 'too-large', { maxBytes: 4 * 1024 * 1024, maxEntries: 100 });
    assert.match(err.message, /stopped while decompressing/);
    console.log(`# bomb (${readFileSync(file).length} bytes compressed) refused in ${Math.round(performance.now() - started)} ms: ${err.message}`);
  });

  it('refuses a member whose header declares more than the limit, before reading its data', async () => {
    await refused(archiveFile([{ name: 'big', body: 'x'.repeat(100), size: 50 * 1024 * 1024 }]), 'too-large', { maxBytes: 1024 * 1024 });
  });

  it('refuses zip (no zip library is installed), garbage and truncated gzip', async () => {
    const zip = join(root, 'upload.zip');
    writeFileSync(zip, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(600)]));
    await refused(zip, 'unsupported-format');
    const junk = join(root, 'junk.bin');
    writeFileSync(junk, Buffer.alloc(1024, 7));
    await refused(junk, 'unsupported-format');
    const truncated = join(root, 'truncated.tar.gz');
    writeFileSync(truncated, gzipSync(tar([{ name: 'a', body: 'x'.repeat(5000) }])).subarray(0, 60));
    await refused(truncated, 'corrupt');
  });
});
