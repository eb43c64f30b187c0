// Exec and throwaway containers against the real engine: a command's stdout streamed (not collected),
// stdin piped into a command, env reaching the command (never argv), exit codes and stderr tails, and
// a throwaway container removed even when its user throws.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ContainerGateway } from './containers.ts';

const image = process.env.BERTH_TEST_IMAGE_BASE ?? 'berth/debian:bookworm';
const labels = { 'berth.test': 'containers-int' };

describe('ContainerGateway (real engine)', () => {
  const gw = new ContainerGateway({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  let id: string;
  before(async () => {
    id = await gw.startScratch({ image, cmd: ['sleep', 'infinity'], labels });
  });
  after(async () => {
    await gw.removeContainer(id);
  });

  it('streams stdout as it is produced; exit code and stderr come with done', async () => {
    const { stdout, done } = await gw.execStream(id, { argv: ['sh', '-c', 'head -c 20000000 /dev/zero; echo oops >&2; exit 3'] });
    let bytes = 0;
    let chunks = 0;
    for await (const chunk of stdout) {
      bytes += (chunk as Buffer).length;
      chunks++;
    }
    assert.equal(bytes, 20_000_000);
    assert.ok(chunks > 10, `arrived in ${chunks} chunks`);
    const result = await done;
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, /oops/);
  });

  it('pipes stdin into a command and reads its output', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const result = await gw.execWithInput(id, { argv: ['sha256sum'], stdin: Readable.from([data.subarray(0, 1_000_000), data.subarray(1_000_000)]) });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout.split(' ')[0], createHash('sha256').update(data).digest('hex'));
  });

  it('secrets travel in env, not argv', async () => {
    const result = await gw.exec(id, { argv: ['printenv', 'SECRET_VALUE'], env: { SECRET_VALUE: 'hunter2' } });
    assert.equal(result.stdout.trim(), 'hunter2');
  });

  it('a command that stops reading early reports its own exit code', async () => {
    const result = await gw.execWithInput(id, { argv: ['sh', '-c', 'echo bad input >&2; exit 5'], stdin: Readable.from([randomBytes(8 * 1024 * 1024)]) });
    assert.equal(result.exitCode, 5);
    assert.match(result.stderr, /bad input/);
  });

  it('withScratchContainer removes the container even when its user throws', async () => {
    let seen = '';
    await assert.rejects(
      gw.withScratchContainer({ image, cmd: ['sleep', 'infinity'], labels: { ...labels, 'berth.scratch': 'throws' } }, async (cid) => {
        seen = cid;
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.ok(seen);
    assert.deepEqual(await gw.listContainers({ 'berth.scratch': 'throws' }), []);
  });
});
