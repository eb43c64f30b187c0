// Public surface of archive uploads: import from here, not from the files behind it.
export { extractArchive, type ArchiveFormat, type ExtractArchiveOptions, type ExtractedArchive } from './extract.ts';
export { ArchiveRejected, type ArchiveRejection } from './errors.ts';
export { DEFAULT_LIMITS, type ArchiveLimits } from './entries.ts';
