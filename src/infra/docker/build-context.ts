// The build context as a tar stream for the Engine API: the context directory minus what .dockerignore
// excludes (Docker's own rule: the Dockerfile and .dockerignore are always sent). Berth's working copy
// keeps git metadata in `.git`; it is left out unless .dockerignore re-includes it (`!.git`). Symlinks
// are sent as symlinks, never followed. Must never read outside the context directory.
import { lstatSync } from 'node:fs';
import { lstat, readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import dockerignore from '@balena/dockerignore';
import tarFs from 'tar-fs';
import { Invalid } from '../../core/errors.ts';

export interface BuildContextOptions {
  /** Absolute path of the context directory. */
  contextDir: string;
  /** The Dockerfile, relative to the context directory. */
  dockerfile: string;
  /**
   * The directory the context must really lie in (e.g. the fetched working copy, when the context is a
   * subdirectory of it): a repository's symlinked directory must not make the context a host path.
   */
  sourceRoot?: string;
}

/** The context's real path (symlinks resolved) must be `sourceRoot` or below it. */
async function assertInsideSource(contextDir: string, sourceRoot: string): Promise<void> {
  const [real, root] = await Promise.all([realpath(contextDir), realpath(sourceRoot)]);
  if (real !== root && !real.startsWith(root + sep)) {
    throw new Invalid([{ path: 'contextDir', message: 'the build context leads outside the source (through a symlink)' }]);
  }
}

/** The .dockerignore patterns (comments and blank lines dropped), or none. */
async function readIgnorePatterns(contextDir: string): Promise<string[]> {
  try {
    const text = await readFile(join(contextDir, '.dockerignore'), 'utf8');
    return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export function assertRelativeInside(path: string, value: string): void {
  if (!value || isAbsolute(value) || value.split(/[/\\]/).includes('..') || value.startsWith('-')) {
    throw new Invalid([{ path, message: 'expected a relative path inside the build context' }]);
  }
}

/** Checks the directory and the Dockerfile, then returns the context as a tar stream. */
export async function packBuildContext(options: BuildContextOptions): Promise<NodeJS.ReadableStream> {
  if (!isAbsolute(options.contextDir) || !(await lstat(options.contextDir)).isDirectory()) {
    throw new Invalid([{ path: 'contextDir', message: 'expected an absolute path to a directory' }]);
  }
  if (options.sourceRoot) await assertInsideSource(options.contextDir, options.sourceRoot);
  assertRelativeInside('dockerfile', options.dockerfile);
  const dockerfile = posix.normalize(options.dockerfile);
  const stat = await lstat(join(options.contextDir, dockerfile)).catch(() => undefined);
  if (!stat?.isFile()) throw new Invalid([{ path: 'dockerfile', message: `${dockerfile} is not a file in the build context` }]);

  // First, so a user's `!.git` (later patterns win) can bring it back.
  const patterns = ['.git', ...(await readIgnorePatterns(options.contextDir))];
  // The package is CommonJS; `.default` is the factory both at run time and in its types.
  const rules = dockerignore.default().add(patterns);
  const hasExceptions = patterns.some((pattern) => pattern.startsWith('!'));
  const alwaysSent = new Set([dockerfile, '.dockerignore']);
  return tarFs.pack(options.contextDir, {
    dereference: false,
    ignore: (name: string) => {
      const path = relative(options.contextDir, name).split('\\').join('/');
      if (!path || alwaysSent.has(path) || !rules.ignores(path)) return false;
      // An excluded directory may still hold re-included files ("!dir/keep"): walk it, filter its files.
      return !(hasExceptions && lstatSync(name).isDirectory());
    },
  });
}
