// GitGateway against real git repositories made in a temp dir (no network, no Docker): exact commits,
// incremental fetches, readable failures, cancel and timeout, and an injection corpus that must be
// refused or inert (a canary file proves nothing ran).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejection, timed } from '../../../test/support/async.ts';
import { Invalid } from '../../core/errors.ts';
import { GitError, GitGateway, type FetchedSource } from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'berth-git-'));
const upstream = join(root, 'upstream');
const canary = join(root, 'CANARY');
const gateway = new GitGateway({ workRoot: join(root, 'work') });
const AUTHOR = { name: 'Ada Lovelace', email: 'ada@example.com' };

function upstreamGit(...args: string[]): string {
  return execFileSync('git', ['-C', upstream, ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: AUTHOR.name, GIT_AUTHOR_EMAIL: AUTHOR.email, GIT_COMMITTER_NAME: 'Berth Test', GIT_COMMITTER_EMAIL: 'ci@example.com',
    },
  }).trim();
}

function commitVersion(version: string): string {
  writeFileSync(join(upstream, 'Dockerfile'), `FROM berth/node:20\nCOPY server.mjs /srv/server.mjs\nCMD ["node", "/srv/server.mjs"]\n`);
  writeFileSync(join(upstream, 'server.mjs'), `console.log('app ${version}');\n`);
  upstreamGit('add', '--all');
  upstreamGit('commit', '--quiet', '-m', `Release ${version}\n\nBody of ${version}.`);
  return upstreamGit('rev-parse', 'HEAD');
}

let v1 = '';

before(() => {
  execFileSync('git', ['init', '--quiet', '--initial-branch=main', upstream]);
  v1 = commitVersion('v1');
  upstreamGit('tag', '-a', '-m', 'first release', 'v1.0');
});

after(() => rmSync(root, { recursive: true, force: true }));

describe('GitGateway.fetchSource', () => {
  let first: FetchedSource;

  it('checks out the exact commit of a branch, with its author and message', async () => {
    const lines: string[] = [];
    first = await timed('first fetch', () => gateway.fetchSource({ key: 'svc-a', repository: upstream, ref: 'main', onLine: (l) => lines.push(l) }));
    assert.equal(first.sha, v1);
    assert.equal(first.author, AUTHOR.name);
    assert.equal(first.authorEmail, AUTHOR.email);
    assert.equal(first.message, 'Release v1\n\nBody of v1.');
    assert.ok(first.committedAt instanceof Date && !Number.isNaN(first.committedAt.getTime()));
    assert.equal(readFileSync(join(first.dir, 'server.mjs'), 'utf8'), "console.log('app v1');\n");
    assert.equal(execFileSync('git', ['-C', first.dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(), v1);
    assert.ok(lines.some((line) => line.includes('fetching main')), lines.join('\n'));
  });

  it('fetches incrementally into the same working copy, and removes untracked files', async () => {
    writeFileSync(join(first.dir, 'left-over.txt'), 'from a previous build');
    const v2 = commitVersion('v2');
    const lines: string[] = [];
    const second = await timed('incremental fetch', () => gateway.fetchSource({ key: 'svc-a', repository: upstream, ref: 'main', onLine: (l) => lines.push(l) }));
    console.log(`# incremental fetch said: ${lines.filter((l) => /objects|Total/.test(l)).join(' | ')}`);
    assert.equal(second.sha, v2);
    assert.equal(second.dir, first.dir);
    assert.equal(second.message, 'Release v2\n\nBody of v2.');
    assert.equal(readFileSync(join(second.dir, 'server.mjs'), 'utf8'), "console.log('app v2');\n");
    assert.equal(existsSync(join(second.dir, 'left-over.txt')), false);
    // The working copy was reused, not re-cloned: the first commit's objects are still in it.
    assert.equal(execFileSync('git', ['-C', second.dir, 'cat-file', '-t', v1], { encoding: 'utf8' }).trim(), 'commit');
  });

  it('resolves an annotated tag to its commit, and a full SHA to that exact commit', async () => {
    const tagged = await gateway.fetchSource({ key: 'svc-tag', repository: upstream, ref: 'v1.0' });
    assert.equal(tagged.sha, v1);
    const pinned = await gateway.fetchSource({ key: 'svc-tag', repository: upstream, ref: v1 });
    assert.equal(pinned.sha, v1);
  });

  it('uses the deploy key from a 0600 file removed afterwards, with a scrubbed environment', async () => {
    // A stand-in `ssh` first on PATH records what git gave it, then refuses like a server would.
    const bin = join(root, 'fake-bin');
    const log = join(root, 'ssh.log');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'ssh'), [
      '#!/bin/sh',
      'prev=""',
      'for a in "$@"; do',
      `  if [ "$prev" = "-i" ]; then stat -c "keymode=%a" "$a" >> ${log}; head -c 40 "$a" | tr '\\n' ' ' | sed 's/^/keyhead=/' >> ${log}; echo >> ${log}; fi`,
      `  printf 'arg=%s\\n' "$a" >> ${log}; prev="$a"`,
      'done',
      `env | grep -E '^(SSH_AUTH_SOCK|GIT_DIR|GIT_CONFIG_GLOBAL|HOME)=' | sed 's/^/env=/' >> ${log}`,
      'echo "git@example.com: Permission denied (publickey)." >&2',
      'exit 255',
    ].join('\n'), { mode: 0o755 });
    const saved = { PATH: process.env.PATH, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK, GIT_DIR: process.env.GIT_DIR };
    Object.assign(process.env, { PATH: `${bin}:${saved.PATH}`, SSH_AUTH_SOCK: '/tmp/host-agent.sock', GIT_DIR: '/etc' });
    const deployKey = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----';
    let err: unknown;
    try {
      err = await rejection(gateway.fetchSource({ key: 'svc-ssh', repository: 'git@example.com:team/app.git', ref: 'main', deployKey }));
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    assert.ok(err instanceof GitError);
    assert.equal(err.reason, 'auth-failed', err.message);
    assert.equal(err.message, 'authentication to git@example.com:team/app.git failed: git@example.com: Permission denied (publickey).');
    assert.doesNotMatch(err.argv.join(' '), /PRIVATE KEY|not-a-real-key/);
    const recorded = readFileSync(log, 'utf8');
    assert.match(recorded, /^keymode=600$/m);
    assert.match(recorded, /^keyhead=-----BEGIN OPENSSH PRIVATE KEY----- not/m);
    for (const option of ['IdentitiesOnly=yes', 'StrictHostKeyChecking=accept-new', 'BatchMode=yes', 'IdentityAgent=none']) {
      assert.match(recorded, new RegExp(`^arg=${option}$`, 'm'));
    }
    assert.match(recorded, new RegExp(`^arg=UserKnownHostsFile=${join(root, 'work', 'svc-ssh', 'ssh', 'known_hosts')}$`, 'm'));
    assert.match(recorded, /^env=GIT_CONFIG_GLOBAL=\/dev\/null$/m);
    assert.match(recorded, new RegExp(`^env=HOME=${join(root, 'work', 'svc-ssh', 'home')}$`, 'm'));
    assert.doesNotMatch(recorded, /SSH_AUTH_SOCK|GIT_DIR/);
    const sshDir = join(root, 'work', 'svc-ssh', 'ssh');
    assert.deepEqual(readdirSync(sshDir).filter((entry) => entry.startsWith('key-')), []);
  });

  it('refuses a deploy key for a repository that is not reached over ssh', async () => {
    const err = await rejection(gateway.fetchSource({ key: 'svc-a', repository: upstream, ref: 'main', deployKey: 'x' }));
    assert.ok(err instanceof Invalid);
  });
});

describe('readable failures', () => {
  it('names a missing branch', async () => {
    const err = await rejection(gateway.fetchSource({ key: 'svc-missing', repository: upstream, ref: 'no-such-branch' }));
    assert.ok(err instanceof GitError);
    assert.equal(err.reason, 'ref-not-found');
    assert.equal(err.message, `branch or tag 'no-such-branch' not found in ${upstream}`);
    assert.match(err.stderrTail, /couldn't find remote ref/);
    assert.equal(err.status, 422);
  });

  it('names a repository that does not exist', async () => {
    const err = await rejection(gateway.fetchSource({ key: 'svc-missing', repository: join(root, 'nowhere'), ref: 'main' }));
    assert.ok(err instanceof GitError);
    assert.equal(err.reason, 'repository-not-found', err.message);
    assert.equal(err.message, `repository ${join(root, 'nowhere')} not found (or not readable with the credentials given)`);
  });

  it('names an unreachable host, with the line that shows why', async () => {
    const ssh = await rejection(gateway.fetchSource({ key: 'svc-missing', repository: 'ssh://git@127.0.0.1:1/app.git', ref: 'main' }));
    assert.ok(ssh instanceof GitError);
    assert.equal(ssh.reason, 'unreachable', ssh.message);
    assert.equal(ssh.message, 'cannot reach ssh://git@127.0.0.1:1/app.git: ssh: connect to host 127.0.0.1 port 1: Connection refused');
    const err = await rejection(gateway.fetchSource({ key: 'svc-missing', repository: 'https://127.0.0.1:1/app.git', ref: 'main' }));
    assert.ok(err instanceof GitError);
    assert.equal(err.reason, 'unreachable', err.message);
    assert.match(err.message, /^cannot reach https:\/\/127\.0\.0\.1:1\/app\.git: /);
  });
});

describe('cancel and timeout', () => {
  /** Accepts connections and never answers: git hangs in the TLS handshake until it is killed. */
  let server: Server;
  let port = 0;
  const sockets = new Set<Socket>();

  before(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // read, so the peer's close is noticed
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });

  async function untilNoConnections(): Promise<void> {
    for (let i = 0; i < 100 && sockets.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(sockets.size, 0, 'git (git-remote-https) still holds its connection');
  }

  it('kills git when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const started = performance.now();
    const err = await rejection(gateway.fetchSource({ key: 'svc-hang', repository: `https://127.0.0.1:${port}/app.git`, ref: 'main', signal: controller.signal }));
    console.log(`# cancelled after ${Math.round(performance.now() - started)} ms`);
    assert.ok(err instanceof GitError);
    assert.equal(err.reason, 'cancelled');
    await untilNoConnections();
  });

  it('kills git at its own timeout', async () => {
    const impatient = new GitGateway({ workRoot: join(root, 'work'), timeoutMs: 700 });
    const err = await rejection(impatient.fetchSource({ key: 'svc-hang', repository: `https://127.0.0.1:${port}/app.git`, ref: 'main' }));
    assert.ok(err instanceof GitError);
    assert.equal(err.reason, 'timeout');
    assert.match(err.message, /timed out/);
    await untilNoConnections();
  });
});

describe('injection corpus', () => {
  const touch = `touch ${canary}`;
  const hostile = [
    `${upstream};${touch}`, `${upstream}|${touch}`, `${upstream}$(${touch})`, `${upstream}\`${touch}\``,
    `${upstream}\n${touch}`, `--upload-pack=${touch}`, `-oProxyCommand=${touch}`, `${upstream}/../../etc`,
    `ssh://-oProxyCommand=x@127.0.0.1/app.git`, `ssh://git@-oProxyCommand=x/app.git`, `-oProxyCommand=x@host:app.git`,
    `git@-oProxyCommand:app.git`, `ext::sh -c ${touch}`, `file://${upstream}`, 'http://127.0.0.1/app.git', '../upstream',
  ];
  const hostileRefs = [
    `main;${touch}`, `main|${touch}`, `$(${touch})`, `\`${touch}\``, `main\n${touch}`, `--upload-pack=${touch}`,
    `-oProxyCommand=${touch}`, '../main', 'main/../../x', '-', '--', 'main@{1}', 'main lock', `--output=${canary}`,
  ];

  it('refuses hostile repositories before git runs', async () => {
    for (const repository of hostile) {
      const err = await rejection(gateway.fetchSource({ key: 'svc-inject', repository, ref: 'main' }));
      assert.ok(err instanceof Invalid, `${JSON.stringify(repository)}: ${String(err)}`);
    }
    assert.equal(existsSync(canary), false);
  });

  it('refuses hostile refs before git runs', async () => {
    for (const ref of hostileRefs) {
      const err = await rejection(gateway.fetchSource({ key: 'svc-inject', repository: upstream, ref }));
      assert.ok(err instanceof Invalid, `${JSON.stringify(ref)}: ${String(err)}`);
    }
    assert.equal(existsSync(canary), false);
  });

  it('keeps odd but valid refs inert (they only name refs that do not exist)', async () => {
    for (const ref of ['main.x', 'a/b-c_d', 'x'.repeat(200)]) {
      const err = await rejection(gateway.fetchSource({ key: 'svc-inject', repository: upstream, ref }));
      assert.ok(err instanceof GitError && err.reason === 'ref-not-found', String(err));
    }
    assert.equal(existsSync(canary), false);
  });

  it('refuses hostile keys (they become a path)', async () => {
    for (const key of ['../escape', '/abs', '', '.hidden', 'a/b', '-x']) {
      assert.ok((await rejection(gateway.fetchSource({ key, repository: upstream, ref: 'main' }))) instanceof Invalid, key);
    }
  });
});
