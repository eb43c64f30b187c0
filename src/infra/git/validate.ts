// Checks what reaches git at the gateway's edge, again: the repository, the ref and the service key are
// user input that will become argv. Reuses the app spec's patterns (core/services/kinds.ts) and adds
// the checks that matter only here (no part of a URL may look like an option).
// Must never let a value starting with "-" reach git or ssh, nor a transport other than https/ssh/file.
import { Invalid } from '../../core/errors.ts';
import { gitRef, gitRepository } from '../../core/services/kinds.ts';

export type RepositoryKind = 'https' | 'ssh' | 'local';

export interface Repository {
  kind: RepositoryKind;
  /** What git is given: the URL as written, or `file://<path>` for a local path (so `--depth` applies). */
  url: string;
  /** As the user wrote it, for messages. */
  display: string;
}

export type SourceRef = { kind: 'name'; name: string } | { kind: 'commit'; sha: string };

/** Service ids (UUIDs) and test keys: one safe path segment. */
const KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const COMMIT_SHA = /^[0-9a-f]{40}$/;
const SCP_STYLE = /^([^@/:]+)@([^:/]+):(.+)$/;

function invalid(path: string, message: string): Invalid {
  return new Invalid([{ path, message }]);
}

/** Every part of a URL that git or ssh parse separately (user, host, path) must not look like an option. */
function assertNoOptionLikePart(display: string, parts: string[]): void {
  if (parts.some((part) => part.startsWith('-'))) {
    throw invalid('repository', `"${display}" has a part starting with "-"`);
  }
}

export function parseRepository(value: string): Repository {
  const parsed = gitRepository.safeParse(value);
  if (!parsed.success) throw invalid('repository', parsed.error.issues[0]?.message ?? 'invalid repository');
  if (value.startsWith('/')) {
    return { kind: 'local', url: `file://${value}`, display: value };
  }
  if (value.startsWith('https://') || value.startsWith('ssh://')) {
    const url = new URL(value);
    assertNoOptionLikePart(value, [url.username, url.hostname, url.pathname.slice(1)]);
    return { kind: value.startsWith('https://') ? 'https' : 'ssh', url: value, display: value };
  }
  const scp = SCP_STYLE.exec(value);
  if (!scp) throw invalid('repository', 'expected an https:// or ssh:// git URL, git@host:path, or an absolute path');
  assertNoOptionLikePart(value, [scp[1] ?? '', scp[2] ?? '', scp[3] ?? '']);
  return { kind: 'ssh', url: value, display: value };
}

/** A branch or tag name, or a full 40-hex commit SHA (fetched as that exact commit). */
export function parseRef(value: string): SourceRef {
  if (COMMIT_SHA.test(value)) return { kind: 'commit', sha: value };
  const parsed = gitRef.safeParse(value);
  if (!parsed.success) throw invalid('ref', parsed.error.issues[0]?.message ?? 'invalid ref');
  return { kind: 'name', name: value };
}

export function assertKey(key: string): void {
  if (!KEY.test(key)) throw invalid('key', 'expected a service id (letters, digits, "-" or "_")');
}
