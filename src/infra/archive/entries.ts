// The rules every archive member must pass before a byte of it is written: a relative path that stays
// in the root, only files, directories and links that stay in the root, within the size and count
// limits. Pure (no I/O): called with each header as the archive streams by.
// Must never accept an absolute path, a ".." segment, a device/fifo/socket, or a link leaving the root.
import { posix } from 'node:path';
import { ArchiveRejected } from './errors.ts';

export interface ArchiveLimits {
  /** Total uncompressed bytes of all files (default 512 MiB). */
  maxBytes: number;
  /** Number of members (default 20,000). */
  maxEntries: number;
  /** Longest member path (default 1,024 characters). */
  maxPathLength: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = { maxBytes: 512 * 1024 * 1024, maxEntries: 20_000, maxPathLength: 1_024 };

export interface EntryHeader {
  name: string;
  type: string | null | undefined;
  size?: number | null;
  linkname?: string | null;
}

/** What the archive has declared so far. */
export interface Tally {
  entries: number;
  bytes: number;
  /** Every non-directory member. */
  names: Set<string>;
  /** Regular files (the only members a hardlink may point to). */
  files: Set<string>;
  /** Symlinks (no member may be written through one). */
  symlinks: Set<string>;
}

export function emptyTally(): Tally {
  return { entries: 0, bytes: 0, names: new Set(), files: new Set(), symlinks: new Set() };
}

const ALLOWED_TYPES = new Set(['file', 'directory', 'symlink', 'link']);

/** The member's path relative to the root, normalised (`a/./b/` → `a/b`), or a rejection. */
export function memberPath(name: string, limits: ArchiveLimits): string {
  if (name.includes('\0')) throw new ArchiveRejected('path-escape', `entry ${JSON.stringify(name)} contains a NUL byte`, name);
  if (name.length > limits.maxPathLength) throw new ArchiveRejected('path-escape', `entry path longer than ${limits.maxPathLength} characters`, name.slice(0, 80));
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name) || name.includes('\\')) {
    throw new ArchiveRejected('path-escape', `entry ${JSON.stringify(name)} is an absolute path`, name);
  }
  if (name.split('/').includes('..')) throw new ArchiveRejected('path-escape', `entry ${JSON.stringify(name)} contains ".."`, name);
  const normal = posix.normalize(name).replace(/\/+$/, '');
  return normal === '.' ? '' : normal;
}

/** A symlink's target must stay inside the root when resolved from the link's own directory. */
function assertSymlinkInside(path: string, linkname: string): void {
  if (linkname.startsWith('/') || linkname.includes('\0')) {
    throw new ArchiveRejected('link-escape', `symlink ${JSON.stringify(path)} points to an absolute path`, path);
  }
  const resolved = posix.normalize(posix.join(posix.dirname(path), linkname));
  if (resolved === '..' || resolved.startsWith('../')) {
    throw new ArchiveRejected('link-escape', `symlink ${JSON.stringify(path)} points outside the archive (${linkname})`, path);
  }
}

function assertHardlinkInside(path: string, linkname: string, tally: Tally, limits: ArchiveLimits): void {
  let target: string;
  try {
    target = memberPath(linkname, limits);
  } catch (err) {
    throw new ArchiveRejected('link-escape', `hardlink ${JSON.stringify(path)} points outside the archive (${linkname})`, path, { cause: err });
  }
  if (!tally.files.has(target)) {
    throw new ArchiveRejected('link-escape', `hardlink ${JSON.stringify(path)} must point to a file earlier in the archive (${linkname})`, path);
  }
}

/** No member may be written below a symlink: the OS would follow it wherever it points. */
function assertNotThroughSymlink(path: string, tally: Tally): void {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const parent = parts.slice(0, i).join('/');
    if (tally.symlinks.has(parent)) throw new ArchiveRejected('link-escape', `entry ${JSON.stringify(path)} lies below the symlink ${JSON.stringify(parent)}`, path);
  }
}

/** Checks one member against the rules and the running tally (which it updates). */
export function admitEntry(header: EntryHeader, tally: Tally, limits: ArchiveLimits): string {
  tally.entries += 1;
  if (tally.entries > limits.maxEntries) {
    throw new ArchiveRejected('too-many-entries', `archive has more than ${limits.maxEntries} entries`);
  }
  const path = memberPath(header.name, limits);
  const type = header.type ?? 'file';
  if (!ALLOWED_TYPES.has(type)) {
    throw new ArchiveRejected('special-file', `entry ${JSON.stringify(header.name)} is a ${type}; only files, directories and links are allowed`, header.name);
  }
  assertNotThroughSymlink(path, tally);
  if (type !== 'directory') {
    if (path === '') throw new ArchiveRejected('path-escape', `entry ${JSON.stringify(header.name)} would replace the root`, header.name);
    if (tally.names.has(path)) throw new ArchiveRejected('duplicate-entry', `entry ${JSON.stringify(path)} appears twice`, path);
    tally.names.add(path);
  }
  if (type === 'symlink') {
    assertSymlinkInside(path, header.linkname ?? '');
    tally.symlinks.add(path);
  }
  if (type === 'link') assertHardlinkInside(path, header.linkname ?? '', tally, limits);
  if (type === 'file') tally.files.add(path);
  tally.bytes += header.size ?? 0;
  if (tally.bytes > limits.maxBytes) {
    throw new ArchiveRejected('too-large', `archive expands to more than ${limits.maxBytes} bytes`, header.name);
  }
  return path;
}
