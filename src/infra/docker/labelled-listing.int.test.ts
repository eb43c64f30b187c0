// The gateway's labelled listings of volumes and networks, and volume removal, against the real engine:
// only Berth-labelled objects are listed or removed; an unlabelled volume with the same `berth.*` labels
// (but no managed label) is never listed and its removal is refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import Dockerode from 'dockerode';
import { DockerGateway, UnmanagedObject } from './index.ts';

const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
const run = randomBytes(3).toString('hex');
const gateway = new DockerGateway({ socketPath });
const engine = new Dockerode({ socketPath });

describe('labelled volumes and networks', () => {
  after(async () => {
    for (const name of [`bt-${run}-vol`, `bt-${run}-raw-vol`]) await engine.getVolume(name).remove().catch(() => undefined);
    for (const name of [`bt-${run}-net`, `bt-${run}-raw-net`]) await engine.getNetwork(name).remove().catch(() => undefined);
  });

  it('lists only managed objects with the asked labels, removes a managed volume, refuses an unlabelled one', async () => {
    const labels = { 'berth.run': run };
    await engine.createVolume({ Name: `bt-${run}-vol`, Labels: { ...labels, 'berth.managed': 'true' } });
    await engine.createVolume({ Name: `bt-${run}-raw-vol`, Labels: labels });
    await gateway.ensureNetwork({ name: `bt-${run}-net`, attachable: true, labels });
    await engine.createNetwork({ Name: `bt-${run}-raw-net`, Driver: 'overlay', Attachable: true, Labels: labels });

    assert.deepEqual((await gateway.listVolumes({ labels })).map((v) => v.name), [`bt-${run}-vol`]);
    assert.deepEqual((await gateway.listNetworks({ labels })).map((n) => [n.name, n.labels['berth.run']]), [[`bt-${run}-net`, run]]);
    await assert.rejects(gateway.removeVolume(`bt-${run}-raw-vol`), UnmanagedObject);
    assert.equal(await gateway.removeVolume(`bt-${run}-vol`), 'removed');
    assert.equal(await gateway.removeVolume(`bt-${run}-vol`), 'absent');
    assert.deepEqual(await gateway.listVolumes({ labels }), []);
    await engine.getVolume(`bt-${run}-raw-vol`).inspect(); // still there
  });
});
