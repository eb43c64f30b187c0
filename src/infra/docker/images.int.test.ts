// Image retention against the real engine: of a service's Berth-built images the newest N stay, older
// ones go unless a running container uses them; unlabelled images and other services' are untouched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { DockerGateway } from './index.ts';

const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
const baseImage = process.env.BERTH_TEST_IMAGE_NODE ?? 'berth/node:20';
const run = randomBytes(3).toString('hex');
const serviceId = `svc-${run}`;
const otherService = `other-${run}`;
const gateway = new DockerGateway({ socketPath });
const engine = new Dockerode({ socketPath });
const context = mkdtempSync(join(tmpdir(), 'berth-images-'));
const limits = { memoryBytes: 256 * 1024 * 1024 };

async function buildDeployment(service: string, deployment: string): Promise<string> {
  const { imageId } = await gateway.buildImage({
    contextDir: context,
    tag: `berth-test/${service}:${deployment}`,
    labels: { 'berth.service': service, 'berth.deployment': deployment, 'berth.test': 'true' },
    limits,
  });
  return imageId;
}

/** An image built without Berth's managed label, though it names the service. */
async function buildUnmanaged(tag: string, labels: Record<string, string>): Promise<string> {
  const stream = await engine.buildImage({ context, src: ['Dockerfile'] }, { t: tag, labels });
  await new Promise((resolve, reject) => engine.modem.followProgress(stream, (err) => (err ? reject(err) : resolve(undefined))));
  return (await engine.getImage(tag).inspect()).Id;
}

async function exists(id: string): Promise<boolean> {
  return engine.getImage(id).inspect().then(() => true, () => false);
}

const built: string[] = [];
let unmanaged: string[] = [];
let other = '';
let holder: Dockerode.Container | undefined;

before(async () => {
  writeFileSync(join(context, 'Dockerfile'), `FROM ${baseImage}\nCMD ["node", "-e", "setTimeout(() => {}, 120000)"]\n`);
  for (let n = 1; n <= 7; n++) built.push(await buildDeployment(serviceId, `d${n}`));
  other = await buildDeployment(otherService, 'd1');
  unmanaged = [
    await buildUnmanaged(`berth-test/${serviceId}:unmanaged`, { 'berth.service': serviceId, 'berth.test': 'true', 'berth.run': run }),
    await buildUnmanaged(`berth-test/unlabelled-${run}:1`, {}),
  ];
});

after(async () => {
  await holder?.remove({ force: true }).catch(() => {});
  for (const id of [...built, other, ...unmanaged]) await engine.getImage(id).remove({ force: true }).catch(() => {});
  rmSync(context, { recursive: true, force: true });
});

describe('image retention', () => {
  it('lists the service\'s Berth images newest first', async () => {
    const images = await gateway.listServiceImages(serviceId);
    assert.deepEqual(images.map((image) => image.deploymentId), ['d7', 'd6', 'd5', 'd4', 'd3', 'd2', 'd1']);
    assert.deepEqual(images.map((image) => image.id), [...built].reverse());
  });

  it('keeps the newest 5, leaves an older one a running container uses, removes the rest', async () => {
    holder = await engine.createContainer({ Image: built[1], Labels: { 'berth.test': 'true' } });
    await holder.start();
    const result = await gateway.pruneServiceImages({ serviceId });
    assert.deepEqual(result.kept, built.slice(2).reverse());
    assert.deepEqual(result.inUse, [built[1]]);
    assert.deepEqual(result.removed, [built[0]]);
    assert.equal(await exists(built[0] ?? ''), false);
  });

  it('keeps exactly N once nothing uses the older ones', async () => {
    await holder?.remove({ force: true });
    holder = undefined;
    const result = await gateway.pruneServiceImages({ serviceId, keep: 5 });
    assert.deepEqual(result.removed, [built[1]]);
    assert.equal((await gateway.listServiceImages(serviceId)).length, 5);
    const smaller = await gateway.pruneServiceImages({ serviceId, keep: 2 });
    assert.equal(smaller.removed.length, 3);
    assert.deepEqual((await gateway.listServiceImages(serviceId)).map((image) => image.deploymentId), ['d7', 'd6']);
  });

  it('never touches unlabelled images or another service\'s', async () => {
    for (const id of [...unmanaged, other]) assert.equal(await exists(id), true, id);
    assert.equal((await gateway.listServiceImages(otherService)).length, 1);
  });
});
