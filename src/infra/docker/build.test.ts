// The pure parts of builds: the engine query (exact), reading the progress stream, the protobuf bits
// of BuildKit's session and trace, and what the context tar holds.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tarFs from 'tar-fs';
import { Invalid } from '../../core/errors.ts';
import { BuildFailed } from './build-errors.ts';
import { packBuildContext } from './build-context.ts';
import { BuildProgress } from './build-progress.ts';
import { BuildkitTrace } from './build-trace.ts';
import { bytesField, messagesOf, readFields, stringOf, varintField } from './build-wire.ts';
import { buildQuery } from './build.ts';

const root = mkdtempSync(join(tmpdir(), 'berth-build-unit-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('buildQuery', () => {
  it('caps memory without swap, passes CPU limits, never pulls, removes step containers', () => {
    const query = buildQuery(
      { contextDir: '/x', tag: 'berth/app:d1', buildArgs: { NODE_ENV: 'production' }, target: 'runtime', limits: { memoryBytes: 1 << 30, cpuQuota: 50_000, cpuPeriod: 100_000, cpuShares: 512 } },
      { 'berth.managed': 'true', 'berth.service': 'app' },
    );
    assert.deepEqual(query, {
      t: 'berth/app:d1', dockerfile: 'Dockerfile', buildargs: { NODE_ENV: 'production' }, target: 'runtime',
      labels: { 'berth.managed': 'true', 'berth.service': 'app' }, memory: 1 << 30, memswap: 1 << 30,
      cpushares: 512, cpuquota: 50_000, cpuperiod: 100_000, rm: true, forcerm: true,
    });
  });

  it('asks for BuildKit only with a session', () => {
    const query = buildQuery({ contextDir: '/x', tag: 'a:1', limits: { memoryBytes: 1 << 30 }, noCache: true }, {}, 'abc');
    assert.equal(query.version, '2');
    assert.equal(query.session, 'abc');
    assert.equal(query.nocache, true);
  });
});

describe('BuildProgress', () => {
  it('splits stream text into lines across messages, strips colours, finds the image ID and the step container', () => {
    const lines: string[] = [];
    const progress = new BuildProgress((line) => lines.push(line));
    progress.push({ stream: 'Step 1/2 : FROM x' });
    progress.push({ stream: '\n ---> Running in 0123456789ab\n' });
    progress.push({ stream: '\u001b[91mwarn\n\u001b[0m' });
    progress.push({ aux: { ID: `sha256:${'a'.repeat(64)}` } });
    assert.deepEqual(lines, ['Step 1/2 : FROM x', ' ---> Running in 0123456789ab', 'warn']);
    assert.equal(progress.stepContainer, '0123456789ab');
    assert.deepEqual(progress.finish(), { imageId: `sha256:${'a'.repeat(64)}` });
  });

  it('turns an error message into BuildFailed with the lines before it', () => {
    const progress = new BuildProgress();
    progress.push({ stream: 'compiling\n' });
    progress.push({ errorDetail: { code: 2, message: 'make failed' }, error: 'make failed' });
    assert.throws(() => progress.finish(), (err: unknown) => err instanceof BuildFailed && err.exitCode === 2 && err.lastLines[0] === 'compiling' && err.message === 'image build failed: make failed');
  });
});

describe('protobuf wire', () => {
  it('round-trips the session messages', () => {
    const request = Buffer.concat([bytesField(1, 'npm_token'), bytesField(2, Buffer.concat([bytesField(1, 'k'), bytesField(2, 'v')]))]);
    const fields = readFields(request);
    assert.equal(stringOf(fields, 1), 'npm_token');
    assert.equal(stringOf(messagesOf(fields, 2)[0] ?? [], 2), 'v');
    assert.deepEqual(readFields(varintField(1, 300)), [{ field: 1, value: 300 }]);
    const long = 'x'.repeat(70_000);
    assert.equal(stringOf(readFields(bytesField(1, long)), 1), long);
  });

  it('throws on truncated input instead of reading past it', () => {
    assert.throws(() => readFields(Buffer.from([0x0a, 0x05, 0x61])));
    assert.throws(() => readFields(Buffer.from([0x08, 0x80])));
  });
});

describe('BuildkitTrace', () => {
  it('announces a step once, then its output and its end', () => {
    const timestamp = varintField(1, 1_700_000_000);
    const vertex = (extra: Buffer[]) => bytesField(1, Buffer.concat([bytesField(1, 'sha256:1'), bytesField(3, '[2/2] RUN make'), ...extra]));
    const trace = new BuildkitTrace();
    const started = Buffer.concat([vertex([bytesField(5, timestamp)])]).toString('base64');
    const log = bytesField(3, Buffer.concat([bytesField(1, 'sha256:1'), bytesField(4, 'line one\nline two\n')])).toString('base64');
    const done = vertex([bytesField(5, timestamp), bytesField(6, timestamp), bytesField(7, 'exit code: 2')]).toString('base64');
    assert.deepEqual([...trace.lines(started), ...trace.lines(started), ...trace.lines(log), ...trace.lines(done)], [
      '=> [2/2] RUN make', 'line one', 'line two', 'ERROR [2/2] RUN make: exit code: 2',
    ]);
    assert.deepEqual(trace.lines('not base64 protobuf!'), []);
  });
});

describe('packBuildContext', () => {
  /** The tar's member names (symlinks marked "-> target"), read without extracting anything. */
  async function packed(dir: string, dockerfile = 'Dockerfile', sourceRoot?: string): Promise<string[]> {
    const names: string[] = [];
    const list = tarFs.extract(mkdtempSync(join(root, 'out-')), {
      ignore: (_name: string, header?: { name: string; type: string; linkname?: string }) => {
        if (header && header.type !== 'directory') names.push(header.type === 'symlink' ? `${header.name} -> ${header.linkname}` : header.name);
        return true;
      },
    } as tarFs.ExtractOptions);
    await pipeline(await packBuildContext({ contextDir: dir, dockerfile, sourceRoot }), list);
    return names.sort();
  }

  it('honours .dockerignore (with exceptions), always sends the Dockerfile, leaves .git out, keeps symlinks as links', async () => {
    const dir = mkdtempSync(join(root, 'ctx-'));
    for (const path of ['.git/HEAD', 'src/app.js', 'docs/a.md', 'docs/keep.md', 'debug.log', 'Dockerfile']) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), path);
    }
    symlinkSync('/etc/passwd', join(dir, 'passwd-link'));
    writeFileSync(join(dir, '.dockerignore'), '# comment\ndocs\n!docs/keep.md\n*.log\nDockerfile\n');
    assert.deepEqual(await packed(dir), ['.dockerignore', 'Dockerfile', 'docs/keep.md', 'passwd-link -> /etc/passwd', 'src/app.js']);
  });

  it('refuses a context that a symlinked directory leads out of the source', async () => {
    const source = mkdtempSync(join(root, 'src-'));
    const outside = mkdtempSync(join(root, 'host-'));
    mkdirSync(join(outside, 'ssl'));
    writeFileSync(join(outside, 'ssl', 'Dockerfile'), 'FROM x\n');
    symlinkSync(outside, join(source, 'a'));
    await assert.rejects(packBuildContext({ contextDir: join(source, 'a', 'ssl'), dockerfile: 'Dockerfile', sourceRoot: source }), Invalid);
    mkdirSync(join(source, 'app'));
    writeFileSync(join(source, 'app', 'Dockerfile'), 'FROM x\n');
    assert.deepEqual(await packed(join(source, 'app'), 'Dockerfile', source), ['Dockerfile']);
  });

  it('refuses a Dockerfile outside the context or missing', async () => {
    const dir = mkdtempSync(join(root, 'ctx-'));
    await assert.rejects(packBuildContext({ contextDir: dir, dockerfile: '../Dockerfile' }), Invalid);
    await assert.rejects(packBuildContext({ contextDir: dir, dockerfile: 'Dockerfile' }), Invalid);
    await assert.rejects(packBuildContext({ contextDir: 'relative', dockerfile: 'Dockerfile' }), Invalid);
  });
});
