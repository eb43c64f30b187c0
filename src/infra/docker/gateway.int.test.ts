// DockerGateway against the real engine (scripts/testbed/up.sh, then `source .cache/testbed.env`).
// Every object is named per run and labelled berth.test=true; unlabelled objects are made with dockerode
// directly to show the gateway never touches them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import Dockerode from 'dockerode';
import { waitFor } from '../../../test/support/async.ts';
import {
  DockerError, DockerGateway, DockerNotFound, PLATFORM_NETWORKS, UnmanagedObject, isNotFound,
  type DockerEvent, type LogLine, type ServiceSpec, type TaskSummary,
} from './index.ts';

const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
const imageRef = process.env.BERTH_TEST_IMAGE_HTTP ?? 'berth/test-http:latest';
const run = randomBytes(3).toString('hex');
const testLabels = { 'berth.test': 'true', 'berth.run': run };
const names = {
  network: `bt-${run}-net`,
  service: `bt-${run}-web`,
  rawNetwork: `bt-${run}-raw-net`,
  rawService: `bt-${run}-raw-web`,
};
/** A /24 unlikely to meet another run's (or the platform's 10.0.x.0/24) networks. */
const subnet = `10.${randomInt(200, 250)}.${randomInt(0, 256)}.0/24`;
const subnetPrefix = subnet.split('.').slice(0, 3).join('.') + '.';

const gateway = new DockerGateway({ socketPath });
const engine = new Dockerode({ socketPath });

function webSpec(env: string[] = ['GREETING=hello']): ServiceSpec {
  return {
    Name: names.service,
    Labels: testLabels,
    TaskTemplate: {
      ContainerSpec: {
        Image: imageRef,
        Env: env,
        Healthcheck: {
          Test: ['CMD', 'node', '-e', "require('http').get('http://127.0.0.1:8080/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"],
          Interval: 1e9,
          Timeout: 3e9,
          Retries: 3,
        },
        StopGracePeriod: 2e9,
      },
      Networks: [{ Target: names.network }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr' },
  };
}

async function versionOf(name: string): Promise<number | undefined> {
  const service = (await engine.getService(name).inspect()) as Dockerode.Service;
  return service.Version?.Index;
}

/**
 * Swarm itself bumps a service's version while a rolling update progresses (UpdateStatus writes), so
 * "the second ensure changed nothing" is measured once the engine has finished its own writes.
 */
async function settledVersion(name: string, opts: { updated?: boolean } = {}): Promise<number> {
  return waitFor(`${name} to finish updating`, async () => {
    const service = (await engine.getService(name).inspect()) as Dockerode.Service;
    const state = service.UpdateStatus?.State;
    // After an update, "no status yet" means the orchestrator has not started writing: not settled.
    const done = state === 'completed' || (state === undefined && !opts.updated);
    return done ? service.Version?.Index : undefined;
  });
}

async function removeQuietly(remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

before(async () => {
  await gateway.ping();
  await engine.createNetwork({ Name: names.rawNetwork, Driver: 'overlay', Labels: { 'berth.test': 'true' } });
  const imageId = await gateway.resolveLocalImage(imageRef);
  assert.ok(imageId, `${imageRef} must be built first (scripts/testbed/up.sh)`);
  await engine.createService({
    Name: names.rawService,
    Labels: { 'berth.test': 'true' },
    TaskTemplate: { ContainerSpec: { Image: imageId } },
    Mode: { Replicated: { Replicas: 0 } },
  } as Dockerode.CreateServiceOptions);
});

after(async () => {
  for (const name of [names.service, names.rawService]) await removeQuietly(() => engine.getService(name).remove());
  for (const name of [names.network, names.rawNetwork]) {
    // The network is in use until the removed services' tasks are gone.
    await waitFor(`removal of ${name}`, async () => {
      try {
        await engine.getNetwork(name).remove();
        return true;
      } catch (err) {
        return isNotFound(err) ? true : undefined;
      }
    });
  }
});

describe('engine health and Swarm', () => {
  it('reports the engine version and an active swarm this node manages', async () => {
    const info = await gateway.info();
    assert.match(info.serverVersion, /^\d+\.\d+/);
    assert.match(info.apiVersion, /^1\.\d+$/);
    assert.equal(info.swarm.state, 'active');
    assert.equal(info.swarm.isManager, true);
    assert.ok(info.swarm.nodes >= 1);
  });

  it('ensureSwarm on an active swarm changes nothing', async () => {
    const before = await gateway.info();
    const result = await gateway.ensureSwarm({ advertiseAddr: '127.0.0.1' });
    assert.deepEqual(result, { action: 'unchanged', nodeId: before.swarm.nodeId, isManager: true });
  });
});

describe('networks', () => {
  const spec = { ...PLATFORM_NETWORKS.data, name: names.network, subnet, attachable: true, labels: testLabels };

  it('ensureNetwork creates once, then changes nothing', async () => {
    const first = await gateway.ensureNetwork(spec);
    const second = await gateway.ensureNetwork(spec);
    assert.equal(first.action, 'created');
    assert.deepEqual(second, { action: 'unchanged', id: first.id, drift: [] });
    const network = await engine.getNetwork(first.id).inspect();
    assert.equal(network.Labels?.['berth.managed'], 'true');
    assert.equal(network.Internal, true);
    assert.equal(network.IPAM?.Config?.[0]?.Subnet, subnet);
  });

  it('reports drift without touching the network', async () => {
    const { id } = await gateway.ensureNetwork(spec);
    const result = await gateway.ensureNetwork({ ...spec, internal: false });
    assert.deepEqual(result, { action: 'drifted', id, drift: ['internal: want false, have true'] });
    assert.equal((await engine.getNetwork(id).inspect()).Internal, true);
  });

  it('refuses a network it did not create, and leaves it alone', async () => {
    const unlabelled = { name: names.rawNetwork, subnet: '10.255.255.0/24', labels: testLabels };
    await assert.rejects(gateway.ensureNetwork(unlabelled), UnmanagedObject);
    await assert.rejects(gateway.removeNetwork(names.rawNetwork), UnmanagedObject);
    const network = await engine.getNetwork(names.rawNetwork).inspect();
    assert.equal(network.Labels?.['berth.managed'], undefined);
  });

  it('removing a missing network is fine', async () => {
    assert.equal(await gateway.removeNetwork(`bt-${run}-never`), 'absent');
  });
});

describe('services', () => {
  it('ensureService creates a dnsrr service on the image ID, then changes nothing', async () => {
    const created = await gateway.ensureService(webSpec());
    assert.equal(created.action, 'created');
    const settled = await settledVersion(names.service);
    const again = await gateway.ensureService(webSpec());
    assert.deepEqual(again, { action: 'unchanged', id: created.id, version: settled, changes: [] });
    assert.equal(await versionOf(names.service), settled);

    const stored = (await engine.getService(names.service).inspect()) as Dockerode.Service;
    const container = (stored.Spec?.TaskTemplate as Dockerode.ContainerTaskSpec).ContainerSpec;
    assert.equal(container?.Image, await gateway.resolveLocalImage(imageRef));
    assert.equal(stored.Spec?.Labels?.['berth.image'], imageRef);
    assert.equal(stored.Spec?.Labels?.['berth.managed'], 'true');
    assert.equal(container?.Labels?.['berth.managed'], 'true');
    assert.equal(stored.Spec?.EndpointSpec?.Mode, 'dnsrr');
  });

  it('updates only what changed, once', async () => {
    const before = await versionOf(names.service);
    const updated = await gateway.ensureService(webSpec(['GREETING=bonjour']));
    assert.equal(updated.action, 'updated');
    assert.deepEqual(updated.changes, ['TaskTemplate.ContainerSpec.Env']);
    assert.ok(updated.version > (before ?? 0));
    const settled = await settledVersion(names.service, { updated: true });
    const again = await gateway.ensureService(webSpec(['GREETING=bonjour']));
    assert.deepEqual(again, { action: 'unchanged', id: updated.id, version: settled, changes: [] });
    assert.equal(await versionOf(names.service), settled);
  });

  it('returns the running task\'s address on the overlay, with its health and node', async () => {
    const task = await waitFor('a healthy running task with an address', async () => {
      const tasks = await gateway.serviceTasks(names.service, { desiredState: 'running' });
      return tasks.find((t: TaskSummary) => t.state === 'running' && t.health === 'healthy' && t.addresses.length > 0);
    });
    const onOverlay = task.addresses.find((address) => address.networkName === names.network);
    assert.ok(onOverlay, `an address on ${names.network}: ${JSON.stringify(task.addresses)}`);
    assert.ok(onOverlay.ip.startsWith(subnetPrefix), `${onOverlay.ip} in ${subnet}`);
    assert.doesNotMatch(onOverlay.ip, /\//);
    assert.equal(task.desiredState, 'running');
    assert.ok(task.node.id);
    assert.ok(task.containerId);
  });

  it('streams the service\'s log lines from both streams', async () => {
    const lines = await waitFor('the startup lines', async () => {
      const seen: LogLine[] = [];
      for await (const line of gateway.serviceLogs(names.service, { tail: 'all' })) seen.push(line);
      const ready = seen.some((l) => l.stream === 'stdout' && l.line.includes('listening on :8080'))
        && seen.some((l) => l.stream === 'stderr' && l.line === 'test-http: this line goes to stderr');
      return ready ? seen : undefined;
    });
    assert.ok(lines.every((l) => /^\d{4}-\d\d-\d\dT/.test(l.timestamp)));
  });

  it('follows logs until the signal aborts', async () => {
    const controller = new AbortController();
    const seen: LogLine[] = [];
    for await (const line of gateway.serviceLogs(names.service, { follow: true, tail: 'all', signal: controller.signal })) {
      seen.push(line);
      if (line.line.includes('listening on :8080')) controller.abort();
    }
    assert.ok(seen.some((l) => l.line.includes('listening on :8080')));
  });

  it('lists only Berth-labelled services', async () => {
    const listed = await gateway.listServices({ labels: { 'berth.test': 'true' } });
    const listedNames = listed.map((service) => service.name);
    assert.ok(listedNames.includes(names.service));
    assert.ok(!listedNames.includes(names.rawService));
    const ours = listed.find((service) => service.name === names.service);
    assert.equal(ours?.image, imageRef);
    assert.equal(ours?.replicas, 1);
  });

  it('never updates, removes or reads the tasks of a service it did not create', async () => {
    const before = await versionOf(names.rawService);
    await assert.rejects(gateway.ensureService({ ...webSpec(), Name: names.rawService }), UnmanagedObject);
    await assert.rejects(gateway.removeService(names.rawService), UnmanagedObject);
    await assert.rejects(gateway.serviceTasks(names.rawService), UnmanagedObject);
    assert.equal(await versionOf(names.rawService), before);
  });

  it('tells not-found apart from every other engine error', async () => {
    const missing = `bt-${run}-missing`;
    await assert.rejects(gateway.serviceTasks(missing), (err: unknown) => err instanceof DockerNotFound && isNotFound(err));
    assert.equal(await gateway.removeService(missing), 'absent');
    assert.equal(await gateway.resolveLocalImage(`berth/no-such-image:${run}`), undefined);
    const invalid = { ...webSpec(), Name: `bt-${run}-web`, Mode: { Replicated: { Replicas: 1 }, Global: {} } };
    await assert.rejects(gateway.ensureService({ ...invalid, Name: `bt-${run}-bad` }), (err: unknown) => {
      assert.ok(err instanceof DockerError, String(err));
      assert.ok(!(err instanceof DockerNotFound));
      assert.equal(isNotFound(err), false);
      assert.equal(err.operation, 'service.create');
      assert.ok(err.statusCode >= 400 && err.statusCode !== 404, `status ${err.statusCode}`);
      assert.ok(err.cause);
      return true;
    });
  });

  it('delivers engine events for the service, and removal is idempotent', async () => {
    // `since` makes the engine replay from just before the removal, so the stream cannot miss it.
    const since = new Date(Date.now() - 1000);
    assert.equal(await gateway.removeService(names.service), 'removed');
    assert.equal(await gateway.removeService(names.service), 'absent');

    const controller = new AbortController();
    const guard = setTimeout(() => controller.abort(), 30_000);
    const seen: DockerEvent[] = [];
    for await (const event of gateway.events({ signal: controller.signal, since, filters: { type: ['service'] } })) {
      seen.push(event);
      if (event.Action === 'remove' && event.Actor.Attributes.name === names.service) controller.abort();
    }
    clearTimeout(guard);
    assert.ok(seen.some((event) => event.Action === 'remove' && event.Actor.Attributes.name === names.service));
  });
});
