import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseServiceSpec, serviceSpecDifferences, type ServiceSpec } from './service-spec.ts';

const IMAGE = 'sha256:08738e89aee88111e7f994140d47736ad6edd42d1fd0c4839ce586eccc8df8ed';

/** What Berth sends. */
function desired(): ServiceSpec {
  return {
    Name: 'web',
    Labels: { 'berth.managed': 'true', 'berth.service': 's1' },
    TaskTemplate: {
      ContainerSpec: {
        Image: IMAGE,
        Env: ['B=2', 'A=1'],
        Labels: {},
        Init: false,
        ReadOnly: false,
        Mounts: [{ Type: 'volume', Source: 'data', Target: '/data' }],
        StopGracePeriod: 5e9,
        Healthcheck: { Test: ['CMD', 'node', '-e', 'process.exit(0)'], Interval: 1e9 },
      },
      Resources: { Limits: { MemoryBytes: 64 * 1024 * 1024 }, Reservations: {} },
      Placement: {},
      RestartPolicy: { Condition: 'on-failure' },
      Networks: [{ Target: 'net-b' }, { Target: 'net-a', Aliases: ['x'] }],
    },
    Mode: { Replicated: {} },
    UpdateConfig: { Parallelism: 1, Order: 'start-first' },
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ TargetPort: 8080, PublishedPort: 18080, PublishMode: 'host' }] },
  };
}

/** What Docker 20.10 answered for that spec (recorded from `GET /services/{id}`), env reordered by us. */
function engineStored() {
  return {
    Name: 'web',
    Labels: { 'berth.managed': 'true', 'berth.service': 's1' },
    TaskTemplate: {
      ContainerSpec: {
        Image: IMAGE,
        Env: ['A=1', 'B=2'],
        Init: false,
        Mounts: [{ Type: 'volume', Source: 'data', Target: '/data' }],
        StopGracePeriod: 5000000000,
        Healthcheck: { Test: ['CMD', 'node', '-e', 'process.exit(0)'], Interval: 1000000000 },
        Isolation: 'default',
      },
      Resources: { Limits: { MemoryBytes: 67108864 }, Reservations: {} },
      RestartPolicy: { Condition: 'on-failure', MaxAttempts: 0 },
      Placement: {},
      Networks: [{ Target: 'net-a', Aliases: ['x'] }, { Target: 'net-b' }],
      ForceUpdate: 0,
      Runtime: 'container',
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, FailureAction: 'pause', MaxFailureRatio: 0, Order: 'start-first' },
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: 18080, PublishMode: 'host' }] },
  } as const;
}

describe('serviceSpecDifferences', () => {
  it('finds no difference between a spec and what the engine stored for it', () => {
    assert.deepEqual(serviceSpecDifferences(desired(), engineStored() as never), []);
  });

  it('treats a missing Mode, EndpointSpec mode and engine-filled defaults as equal', () => {
    const minimal: ServiceSpec = { Name: 'a', TaskTemplate: { ContainerSpec: { Image: IMAGE } } };
    const stored = {
      Name: 'a',
      TaskTemplate: { ContainerSpec: { Image: IMAGE, Isolation: 'default' }, ForceUpdate: 0, Runtime: 'container' },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: { Mode: 'vip' },
    };
    assert.deepEqual(serviceSpecDifferences(minimal, stored), []);
  });

  it('accepts the health check under the key dockerode\'s types use (HealthCheck)', () => {
    const spec = desired();
    const container = spec.TaskTemplate.ContainerSpec as unknown as Record<string, unknown>;
    container.HealthCheck = container.Healthcheck;
    delete container.Healthcheck;
    assert.deepEqual(serviceSpecDifferences(spec, engineStored() as never), []);
  });

  it('names each changed path', () => {
    const spec = desired();
    spec.TaskTemplate.ContainerSpec.Env = ['A=1', 'B=3'];
    spec.Mode = { Replicated: { Replicas: 3 } };
    spec.Labels = { ...spec.Labels, 'berth.kind': 'app' };
    assert.deepEqual(serviceSpecDifferences(spec, engineStored() as never), [
      'Labels.berth.kind',
      'Mode.Replicated.Replicas',
      'TaskTemplate.ContainerSpec.Env',
    ]);
  });

  it('sees a removed field as a difference', () => {
    const spec = desired();
    delete spec.TaskTemplate.ContainerSpec.Healthcheck;
    assert.deepEqual(serviceSpecDifferences(spec, engineStored() as never), ['TaskTemplate.ContainerSpec.Healthcheck']);
  });

  it('keeps zeros that mean something: 0 replicas is not the default of 1', () => {
    const spec = desired();
    spec.Mode = { Replicated: { Replicas: 0 } };
    assert.deepEqual(serviceSpecDifferences(spec, engineStored() as never), ['Mode.Replicated.Replicas']);
  });

  it('tells a global service from a replicated one', () => {
    const spec = desired();
    spec.Mode = { Global: {} };
    assert.deepEqual(serviceSpecDifferences(spec, engineStored() as never), ['Mode.Global', 'Mode.Replicated']);
    assert.deepEqual(serviceSpecDifferences(spec, { ...engineStored(), Mode: { Global: {} } } as never), []);
  });

  it('keeps a label whose value is empty', () => {
    const spec = desired();
    spec.Labels = { ...spec.Labels, 'berth.flag': '' };
    assert.deepEqual(serviceSpecDifferences(spec, engineStored() as never), ['Labels.berth.flag']);
  });

  it('compares against nothing when the engine has no spec', () => {
    assert.ok(serviceSpecDifferences(desired(), undefined).length > 0);
  });
});

describe('normaliseServiceSpec', () => {
  it('does not mutate its input', () => {
    const spec = desired();
    const before = JSON.stringify(spec);
    normaliseServiceSpec(spec);
    assert.equal(JSON.stringify(spec), before);
  });

  it('sorts env and networks, fills the engine defaults and drops zero values', () => {
    const normal = normaliseServiceSpec(desired());
    assert.deepEqual(normal.TaskTemplate, {
      ContainerSpec: {
        Env: ['A=1', 'B=2'],
        Healthcheck: { Interval: 1e9, Test: ['CMD', 'node', '-e', 'process.exit(0)'] },
        Image: IMAGE,
        Isolation: 'default',
        Mounts: [{ Source: 'data', Target: '/data', Type: 'volume' }],
        StopGracePeriod: 5e9,
      },
      Networks: [{ Aliases: ['x'], Target: 'net-a' }, { Target: 'net-b' }],
      Resources: { Limits: { MemoryBytes: 67108864 } },
      RestartPolicy: { Condition: 'on-failure' },
      Runtime: 'container',
    });
    assert.deepEqual(normal.Mode, { Replicated: { Replicas: 1 } });
  });
});
