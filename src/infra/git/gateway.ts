// The git gateway: one working copy per service under Berth's work root, fetched incrementally and
// checked out at the exact commit (detached, untracked files removed), so a build sees only what the
// commit holds. Constructed with options and injected; no singleton.
// Must never: use a shell, pass user input before `--` where git accepts it, inherit the host's git or
// ssh configuration, put a deploy key anywhere but a 0600 file it deletes afterwards, or keep running
// after the caller's signal or its own timeout fired.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { Invalid } from '../../core/errors.ts';
import { classifyFailure } from './classify.ts';
import { gitConfigArgs, gitEnvironment } from './environment.ts';
import { GitError } from './errors.ts';
import { runGit, type GitRun } from './run.ts';
import { assertKey, parseRef, parseRepository, type Repository, type SourceRef } from './validate.ts';

const DEFAULT_DEPTH = 1;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** The one ref Berth fetches into; replaced by every fetch. */
const SOURCE_REF = 'refs/berth/source';
/** Lock files a killed git can leave behind; safe to remove because fetches of one key are serialised. */
const STALE_LOCKS = ['index.lock', 'shallow.lock', 'HEAD.lock', 'config.lock', 'packed-refs.lock', `${SOURCE_REF}.lock`];
const SAFE_ROOT = /^\/[A-Za-z0-9._/+=,@:-]*$/;

export interface GitGatewayOptions {
  /** A directory in Berth's data dir; each service gets `<workRoot>/<key>/`. Absolute, shell-inert. */
  workRoot: string;
  /** History fetched per ref (default 1: only the commit being built). */
  depth?: number;
  /** Whole fetchSource deadline (default 10 minutes). */
  timeoutMs?: number;
}

export interface FetchSourceOptions {
  /** The service id: one working copy per key. */
  key: string;
  repository: string;
  /** Branch or tag name, or a full 40-hex commit SHA. */
  ref: string;
  /** An SSH private key (PEM/OpenSSH); only for ssh:// and git@host:path repositories. */
  deployKey?: string;
  signal?: AbortSignal;
  /** Progress and git's own messages, line by line, for the deployment log. */
  onLine?: (line: string) => void;
}

export interface FetchedSource {
  /** The working copy, checked out at `sha`. */
  dir: string;
  sha: string;
  author: string;
  authorEmail: string;
  /** The full commit message, trailing whitespace removed. */
  message: string;
  committedAt: Date;
}

/** Everything one fetchSource call needs to run git: built once, used for each step. */
interface FetchContext {
  repository: Repository;
  ref: string;
  env: Record<string, string>;
  config: string[];
  signal: AbortSignal;
  timeout: AbortSignal;
  timeoutMs: number;
  onLine?: (line: string) => void;
}

export class GitGateway {
  private readonly workRoot: string;
  private readonly depth: number;
  private readonly timeoutMs: number;
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(options: GitGatewayOptions) {
    if (!isAbsolute(options.workRoot) || !SAFE_ROOT.test(options.workRoot)) {
      throw new Invalid([{ path: 'workRoot', message: 'expected an absolute path of letters, digits and ._/-' }]);
    }
    this.workRoot = options.workRoot;
    this.depth = options.depth ?? DEFAULT_DEPTH;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Fetches `ref` of `repository` into the service's working copy and checks out that exact commit. */
  async fetchSource(options: FetchSourceOptions): Promise<FetchedSource> {
    assertKey(options.key);
    const repository = parseRepository(options.repository);
    const ref = parseRef(options.ref);
    if (options.deployKey !== undefined && repository.kind !== 'ssh') {
      throw new Invalid([{ path: 'deployKey', message: 'a deploy key is only used with ssh:// or git@host:path repositories' }]);
    }
    return this.serialised(options.key, () => this.fetchInto(options, repository, ref));
  }

  private async fetchInto(options: FetchSourceOptions, repository: Repository, ref: SourceRef): Promise<FetchedSource> {
    const base = join(this.workRoot, options.key);
    const paths = { dir: join(base, 'src'), home: join(base, 'home'), ssh: join(base, 'ssh') };
    await Promise.all([paths.home, paths.ssh].map((dir) => mkdir(dir, { recursive: true, mode: 0o700 })));
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const keyDir = options.deployKey ? await mkdtemp(join(paths.ssh, 'key-')) : undefined;
    try {
      const identityFile = keyDir ? await writeDeployKey(keyDir, options.deployKey ?? '') : undefined;
      const context: FetchContext = {
        repository,
        ref: ref.kind === 'commit' ? ref.sha : ref.name,
        env: gitEnvironment({ home: paths.home, knownHostsFile: join(paths.ssh, 'known_hosts'), identityFile }),
        config: gitConfigArgs(repository.kind),
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
        timeout,
        timeoutMs: this.timeoutMs,
        onLine: options.onLine,
      };
      await ensureWorkingCopy(context, paths.dir);
      const sha = await fetchRef(context, paths.dir, ref, this.depth);
      await checkOut(context, paths.dir, sha);
      return { dir: paths.dir, ...(await readCommit(context, paths.dir, sha)) };
    } finally {
      if (keyDir) await rm(keyDir, { recursive: true, force: true });
    }
  }

  /** One fetch per working copy at a time (the job queue also guarantees it across processes). */
  private async serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.running.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.running.set(key, current);
    try {
      return await current;
    } finally {
      if (this.running.get(key) === current) this.running.delete(key);
    }
  }
}

async function writeDeployKey(dir: string, key: string): Promise<string> {
  const file = join(dir, 'id');
  // ssh refuses a key file with CRLF line ends or without its final newline ("invalid format").
  const text = key.replace(/\r\n/g, '\n');
  await writeFile(file, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return file;
}

/** Runs git in `cwd`; a failure leaves as a classified GitError. */
async function git(context: FetchContext, cwd: string, action: string, args: string[]): Promise<GitRun> {
  const run = await runGit({ args: [...context.config, ...args], cwd, env: context.env, signal: context.signal, onLine: context.onLine }).catch(
    (err: unknown) => {
      throw new GitError('failed', `git could not be started: ${(err as Error).message}`, { argv: ['git', ...args], exitCode: null, stderrTail: '' }, { cause: err });
    },
  );
  if (run.exitCode === 0 && !run.aborted) return run;
  throw classifyFailure(run, { repository: context.repository, ref: context.ref, action, timedOut: context.timeout.aborted, timeoutMs: context.timeoutMs });
}

async function ensureWorkingCopy(context: FetchContext, dir: string): Promise<void> {
  if (!existsSync(join(dir, '.git', 'HEAD'))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await git(context, dir, 'init', ['init', '--quiet']);
    return;
  }
  await Promise.all(STALE_LOCKS.map((lock) => rm(join(dir, '.git', lock), { force: true })));
}

/** Fetches the ref into SOURCE_REF (a branch first, then a tag of that name) and returns its commit. */
async function fetchRef(context: FetchContext, dir: string, ref: SourceRef, depth: number): Promise<string> {
  const candidates = ref.kind === 'commit' ? [ref.sha] : [`refs/heads/${ref.name}`, `refs/tags/${ref.name}`];
  context.onLine?.(`fetching ${context.ref} from ${context.repository.display}`);
  for (const [index, source] of candidates.entries()) {
    try {
      await git(context, dir, 'fetch', [
        'fetch', '--no-tags', '--no-recurse-submodules', '--force', '--progress', `--depth=${depth}`,
        '--', context.repository.url, `+${source}:${SOURCE_REF}`,
      ]);
      break;
    } catch (err) {
      const lastCandidate = index === candidates.length - 1;
      if (lastCandidate || !(err instanceof GitError) || err.reason !== 'ref-not-found') throw err;
    }
  }
  const resolved = await git(context, dir, 'rev-parse', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${SOURCE_REF}^{commit}`]);
  return resolved.stdout.trim();
}

async function checkOut(context: FetchContext, dir: string, sha: string): Promise<void> {
  await git(context, dir, 'checkout', ['checkout', '--quiet', '--force', '--detach', sha]);
  await git(context, dir, 'clean', ['clean', '-ffdxq']);
}

async function readCommit(context: FetchContext, dir: string, sha: string): Promise<Omit<FetchedSource, 'dir'>> {
  const shown = await git(context, dir, 'show', ['show', '--no-patch', '--no-show-signature', '--format=%H%x00%an%x00%ae%x00%cI%x00%B', sha, '--']);
  const [fullSha = '', author = '', authorEmail = '', committed = '', ...message] = shown.stdout.split('\0');
  context.onLine?.(`checked out ${fullSha.slice(0, 12)}: ${message.join('\0').split('\n')[0] ?? ''}`);
  return { sha: fullSha, author, authorEmail, message: message.join('\0').trimEnd(), committedAt: new Date(committed) };
}
