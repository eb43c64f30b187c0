// Image builds against the real engine, from a real git repository fetched by the git gateway:
// streamed lines, labels, the result runs, the layer cache, failures, cancel, the memory cap, and
// build secrets that reach a RUN step but no layer. Needs scripts/testbed/up.sh (berth/node:20).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { rejection, timed } from '../../../test/support/async.ts';
import { Invalid } from '../../core/errors.ts';
import { GitGateway, type FetchedSource } from '../git/index.ts';
import { BuildCancelled, BuildFailed, DockerGateway, type BuildImageOptions } from './index.ts';

const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
const baseImage = process.env.BERTH_TEST_IMAGE_NODE ?? 'berth/node:20';
const run = randomBytes(3).toString('hex');
const serviceId = `svc-${run}`;
const root = mkdtempSync(join(tmpdir(), 'berth-build-'));
const upstream = join(root, 'upstream');
const gateway = new DockerGateway({ socketPath });
const engine = new Dockerode({ socketPath });
const git = new GitGateway({ workRoot: join(root, 'git') });
const MiB = 1024 * 1024;
const limits = { memoryBytes: 512 * MiB, cpuQuota: 100_000, cpuPeriod: 100_000 };

function upstreamGit(...args: string[]): string {
  return execFileSync('git', ['-C', upstream, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' },
  }).trim();
}

/** Commits an app whose Dockerfile is `dockerfile` on branch `branch` (created from main). */
function commitApp(branch: string, dockerfile: string, version = branch): void {
  if (branch !== 'main') upstreamGit('checkout', '--quiet', '-B', branch, 'main');
  writeFileSync(join(upstream, 'Dockerfile'), dockerfile);
  writeFileSync(join(upstream, 'server.mjs'), `console.log('app ${version} ${run}');\n`);
  upstreamGit('add', '--all');
  upstreamGit('commit', '--quiet', '--allow-empty', '-m', `${branch}: ${version}`);
  if (branch !== 'main') upstreamGit('checkout', '--quiet', 'main');
}

const APP_DOCKERFILE = [
  `FROM ${baseImage}`,
  'COPY . /srv/',
  // Some work after the COPY, so a cold build takes measurably longer than a cached one.
  `RUN node -e "let x = 0; for (let i = 0; i < 3e8; i++) x += i; console.log('warmed', x > 0)"`,
  'CMD ["node", "/srv/server.mjs"]',
  '',
].join('\n');

async function fetchBranch(branch: string): Promise<FetchedSource> {
  return git.fetchSource({ key: `${serviceId}-${branch}`, repository: upstream, ref: branch });
}

function options(source: FetchedSource, extra: Partial<BuildImageOptions> = {}): BuildImageOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    contextDir: source.dir,
    tag: `berth-test/${serviceId}:${extra.labels?.['berth.deployment'] ?? 'd1'}`,
    labels: { 'berth.service': serviceId, 'berth.deployment': 'd1', 'berth.test': 'true' },
    limits,
    onLine: (line) => lines.push(line),
    lines,
    ...extra,
  };
}

/** Runs the image once with dockerode and returns what it printed. */
async function runOnce(image: string, cmd?: string[]): Promise<string> {
  const container = await engine.createContainer({ Image: image, Cmd: cmd, Labels: { 'berth.test': 'true' }, HostConfig: { AutoRemove: false } });
  try {
    await container.start();
    await container.wait();
    const logs = await container.logs({ stdout: true, stderr: true });
    // Multiplexed frames: [stream, 0, 0, 0, size uint32 BE] + payload.
    const payloads: Buffer[] = [];
    for (let offset = 0; offset + 8 <= logs.length; offset += 8 + logs.readUInt32BE(offset + 4)) {
      payloads.push(logs.subarray(offset + 8, offset + 8 + logs.readUInt32BE(offset + 4)));
    }
    return Buffer.concat(payloads).toString('utf8').trim();
  } finally {
    await container.remove({ force: true });
  }
}

before(() => {
  execFileSync('git', ['init', '--quiet', '--initial-branch=main', upstream]);
  writeFileSync(join(upstream, '.dockerignore'), 'notes/\n*.log\n');
  execFileSync('mkdir', ['-p', join(upstream, 'notes')]);
  writeFileSync(join(upstream, 'notes', 'private.md'), 'not for the image\n');
  writeFileSync(join(upstream, 'debug.log'), 'not for the image\n');
  commitApp('main', APP_DOCKERFILE, 'v1');
});

after(async () => {
  rmSync(root, { recursive: true, force: true });
  const images = await engine.listImages({ filters: { label: [`berth.service=${serviceId}`] } });
  for (const image of images) await engine.getImage(image.Id).remove({ force: true }).catch(() => {});
});

describe('DockerGateway.buildImage', () => {
  let source: FetchedSource;
  let imageId = '';

  before(async () => {
    source = await timed('fetch v1', () => fetchBranch('main'));
  });

  it('builds v1: lines streamed, labels set, .dockerignore honoured, the image runs', async () => {
    const build = options(source);
    const result = await timed('cold build', () => gateway.buildImage(build));
    imageId = result.imageId;
    assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual({ builder: result.builder, limitsApplied: result.limitsApplied }, { builder: 'classic', limitsApplied: true });
    assert.ok(build.lines.some((line) => line.startsWith('Step 1/')), build.lines.join('\n'));
    assert.ok(build.lines.includes('warmed true'), build.lines.join('\n'));
    const image = await engine.getImage(build.tag).inspect();
    assert.equal(image.Id, imageId);
    assert.equal(image.Config.Labels['berth.managed'], 'true');
    assert.equal(image.Config.Labels['berth.service'], serviceId);
    assert.equal(image.Config.Labels['berth.deployment'], 'd1');
    assert.equal(await runOnce(imageId), `app v1 ${run}`);
    // notes/ and *.log are in .dockerignore; Berth's .git is left out by default.
    assert.equal(await runOnce(imageId, ['ls', '-A', '/srv']), ['.dockerignore', 'Dockerfile', 'server.mjs'].join('\n'));
  });

  it('gives an image ID Swarm runs without a registry', async () => {
    const name = `bt-${run}-built`;
    try {
      await gateway.ensureService({
        Name: name,
        Labels: { 'berth.test': 'true' },
        TaskTemplate: { ContainerSpec: { Image: imageId, Command: ['node', '-e', 'console.log(1); setTimeout(() => {}, 600000)'], StopGracePeriod: 1e9 } },
        Mode: { Replicated: { Replicas: 1 } },
      });
      let state = '';
      for (let i = 0; i < 150 && state !== 'running'; i++) {
        state = (await gateway.serviceTasks(name))[0]?.state ?? '';
        if (state !== 'running') await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(state, 'running');
    } finally {
      await gateway.removeService(name);
      // The task's container goes a moment later; the image can only be removed after it.
      for (let i = 0; i < 100; i++) {
        const left = await engine.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${name}`] } });
        if (left.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  });

  it('reuses the layer cache for the same context', async () => {
    const build = options(source, { tag: `berth-test/${serviceId}:d1-again` });
    const result = await timed('cached build', () => gateway.buildImage(build));
    assert.equal(result.imageId, imageId);
    assert.ok(build.lines.filter((line) => line.includes('Using cache')).length >= 2, build.lines.join('\n'));
  });

  it('reports a failing step as BuildFailed with the error line and the output before it', async () => {
    commitApp('broken', `FROM ${baseImage}\nRUN echo about to fail && exit 3\n`);
    const build = options(await fetchBranch('broken'), { tag: `berth-test/${serviceId}:broken` });
    const err = await rejection(gateway.buildImage(build));
    assert.ok(err instanceof BuildFailed, String(err));
    assert.equal(err.exitCode, 3);
    assert.match(err.engineError, /returned a non-zero code: 3/);
    assert.ok(err.lastLines.includes('about to fail'), err.lastLines.join('\n'));
    assert.ok(build.lines.some((line) => line.startsWith('ERROR: ')));
    console.log(`# failure reads: ${err.message}`);
  });

  it('reports a Dockerfile syntax error as BuildFailed', async () => {
    commitApp('syntax', `FROM ${baseImage}\nNOT_AN_INSTRUCTION x\n`);
    const err = await rejection(gateway.buildImage(options(await fetchBranch('syntax'), { tag: `berth-test/${serviceId}:syntax` })));
    assert.ok(err instanceof BuildFailed, String(err));
    assert.match(err.message, /unknown instruction/i);
  });

  it('stops a build on cancel, leaving no step container behind', async () => {
    commitApp('slow', `FROM ${baseImage}\nRUN echo sleeping-${run} && sleep 30\n`);
    const controller = new AbortController();
    const build = options(await fetchBranch('slow'), { tag: `berth-test/${serviceId}:slow`, signal: controller.signal, noCache: true });
    const started = performance.now();
    const original = build.onLine;
    build.onLine = (line) => {
      original?.(line);
      if (line === `sleeping-${run}`) controller.abort();
    };
    const err = await rejection(gateway.buildImage(build));
    console.log(`# cancelled build returned ${Math.round(performance.now() - started)} ms after it started`);
    assert.ok(err instanceof BuildCancelled, String(err));
    const containers = await engine.listContainers({ all: true });
    assert.deepEqual(containers.filter((c) => c.Command.includes(`sleeping-${run}`)).map((c) => c.Id), []);
  });

  it('stops a build at its own timeout', async () => {
    const build = options(await fetchBranch('slow'), { tag: `berth-test/${serviceId}:slow`, timeoutMs: 1500, noCache: true });
    const err = await rejection(gateway.buildImage(build));
    assert.ok(err instanceof BuildCancelled, String(err));
    assert.equal(err.message, 'image build timed out after 2 s');
    const containers = await engine.listContainers({ all: true });
    assert.deepEqual(containers.filter((c) => c.Command.includes(`sleeping-${run}`)).map((c) => c.Id), []);
  });

  it('applies the memory cap: a step allocating more is killed', async () => {
    commitApp('greedy', [
      `FROM ${baseImage}`,
      `RUN node -e "const a = []; for (let i = 1; i <= 30; i++) { a.push(Buffer.alloc(10 * 1024 * 1024, 1)); console.log('holding', i * 10, 'MiB') }"`,
      '',
    ].join('\n'));
    const build = options(await fetchBranch('greedy'), { tag: `berth-test/${serviceId}:greedy`, limits: { memoryBytes: 96 * MiB }, noCache: true });
    const err = await rejection(gateway.buildImage(build));
    assert.ok(err instanceof BuildFailed, String(err));
    assert.equal(err.exitCode, 137);
    assert.ok(!build.lines.includes('holding 300 MiB'));
    console.log(`# memory cap: last line before the kill: ${build.lines.filter((l) => l.startsWith('holding')).at(-1)}`);
  });

  it('puts each step in a cgroup with the CPU quota and memory limit asked for', async () => {
    commitApp('cgroup', [
      `FROM ${baseImage}`,
      // cgroup v1 (this test bed) or v2 file names.
      'RUN cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max',
      '',
    ].join('\n'));
    const build = options(await fetchBranch('cgroup'), { tag: `berth-test/${serviceId}:cgroup`, limits: { memoryBytes: 200 * MiB, cpuQuota: 50_000, cpuPeriod: 100_000 }, noCache: true });
    await gateway.buildImage(build);
    const v1 = ['209715200', '50000', '100000'].every((value) => build.lines.includes(value));
    const v2 = build.lines.includes('209715200') && build.lines.includes('50000 100000');
    assert.ok(v1 || v2, build.lines.join('\n'));
  });

  it('refuses bad input before anything reaches the engine', async () => {
    for (const bad of [{ tag: 'x;touch /tmp/pwned' }, { dockerfile: '../Dockerfile' }, { buildArgs: { 'A B': '1' } }, { target: '-x' }, { limits: { memoryBytes: 1024 } }, { labels: { other: 'x' } }]) {
      const err = await rejection(gateway.buildImage({ ...options(source), ...bad } as BuildImageOptions));
      assert.ok(err instanceof Invalid, `${JSON.stringify(bad)}: ${String(err)}`);
    }
  });
});

describe('build secrets (BuildKit session)', () => {
  const secret = `s3cret-${randomBytes(12).toString('hex')}`;

  it('reach RUN --mount=type=secret, and no layer, history entry or label of the image', async () => {
    commitApp('secrets', [
      `FROM ${baseImage}`,
      'RUN --mount=type=secret,id=npm_token,required=true sha256sum /run/secrets/npm_token | cut -c1-64 > /token.sha256',
      'COPY server.mjs /srv/server.mjs',
      '',
    ].join('\n'));
    const build = options(await fetchBranch('secrets'), { tag: `berth-test/${serviceId}:secrets`, secrets: { npm_token: secret }, noCache: true });
    const result = await timed('buildkit build with a secret', () => gateway.buildImage(build));
    assert.deepEqual({ builder: result.builder, limitsApplied: result.limitsApplied }, { builder: 'buildkit', limitsApplied: false });
    const expected = execFileSync('sha256sum', { input: secret, encoding: 'utf8' }).slice(0, 64);
    assert.equal(await runOnce(result.imageId, ['cat', '/token.sha256']), expected);
    const saved: Buffer[] = [];
    for await (const chunk of (await engine.getImage(result.imageId).get()) as AsyncIterable<Buffer>) saved.push(chunk);
    const everything = Buffer.concat(saved);
    console.log(`# exported image: ${everything.length} bytes searched for the secret`);
    assert.equal(everything.includes(Buffer.from(secret)), false, 'the secret is in the exported image');
    const history = JSON.stringify(await engine.getImage(result.imageId).history());
    assert.equal(history.includes(secret), false);
    assert.equal(build.lines.join('\n').includes(secret), false);
    assert.equal((await engine.getImage(result.imageId).inspect()).Config.Labels['berth.service'], serviceId);
  });

  it('stop on cancel too', async () => {
    commitApp('secrets-slow', [
      `FROM ${baseImage}`,
      `RUN --mount=type=secret,id=npm_token echo sleeping-bk-${run} && sleep 30`,
      '',
    ].join('\n'));
    const controller = new AbortController();
    const build = options(await fetchBranch('secrets-slow'), { tag: `berth-test/${serviceId}:secrets-slow`, secrets: { npm_token: secret }, signal: controller.signal, noCache: true });
    const original = build.onLine;
    build.onLine = (line) => {
      original?.(line);
      if (line === `sleeping-bk-${run}`) controller.abort();
    };
    const started = performance.now();
    const err = await rejection(gateway.buildImage(build));
    assert.ok(err instanceof BuildCancelled, String(err));
    console.log(`# cancelled BuildKit build returned ${Math.round(performance.now() - started)} ms after it started`);
    // BuildKit runs steps with runc directly (no engine container): look for the process itself.
    let lingering = true;
    for (let i = 0; i < 50 && lingering; i++) {
      const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      lingering = processes.includes(`sleeping-bk-${run}`);
      if (lingering) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(lingering, false, 'the BuildKit step still runs after cancel');
  });

  it('fail readably when the Dockerfile asks for a secret that was not given', async () => {
    const build = options(await fetchBranch('secrets'), { tag: `berth-test/${serviceId}:secrets-missing`, secrets: { other: 'x' }, noCache: true });
    const err = await rejection(gateway.buildImage(build));
    assert.ok(err instanceof BuildFailed, String(err));
    console.log(`# missing secret reads: ${err.message}`);
  });
});
