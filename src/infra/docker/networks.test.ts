import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Dockerode from 'dockerode';
import { PLATFORM_NETWORKS, networkCreateOptions, networkDrift } from './networks.ts';

const LABELS = { 'berth.managed': 'true' };

/** What `GET /networks` reports for berth-data as created from its spec (recorded shape). */
function engineNetwork(overrides: Partial<Dockerode.NetworkInspectInfo> = {}): Dockerode.NetworkInspectInfo {
  return {
    Name: 'berth-data',
    Id: '3vim161cyimjqa4rmn5y8mzdj',
    Created: '2026-11-27T04:45:37.980011223Z',
    Scope: 'swarm',
    Driver: 'overlay',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: undefined, Config: [{ Subnet: '10.0.30.0/24', Gateway: '10.0.30.1' }] },
    Internal: true,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4097' },
    Labels: { 'berth.managed': 'true' },
    ...overrides,
  };
}

describe('PLATFORM_NETWORKS', () => {
  it('are the architecture\'s three overlays', () => {
    assert.deepEqual(PLATFORM_NETWORKS, {
      ingress: { name: 'berth-ingress', subnet: '10.0.10.0/24', attachable: true, internal: false },
      app: { name: 'berth-app', subnet: '10.0.20.0/24', attachable: false, internal: false },
      data: { name: 'berth-data', subnet: '10.0.30.0/24', attachable: false, internal: true },
    });
  });
});

describe('networkCreateOptions', () => {
  it('asks for a swarm overlay with the IPAM subnet and the labels', () => {
    assert.deepEqual(networkCreateOptions(PLATFORM_NETWORKS.ingress, LABELS), {
      Name: 'berth-ingress',
      CheckDuplicate: true,
      Driver: 'overlay',
      Scope: 'swarm',
      Attachable: true,
      Internal: false,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.0.10.0/24' }] },
      Labels: LABELS,
    });
  });
});

describe('networkDrift', () => {
  it('is empty when the engine has what the spec asks for (gateway filled in by the engine)', () => {
    assert.deepEqual(networkDrift(PLATFORM_NETWORKS.data, LABELS, engineNetwork()), []);
  });

  it('names every difference', () => {
    const actual = engineNetwork({
      Internal: false,
      Attachable: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.9.0.0/24' }] },
      Labels: { 'berth.managed': 'true', 'berth.kind': 'x' },
    });
    assert.deepEqual(networkDrift(PLATFORM_NETWORKS.data, { ...LABELS, 'berth.kind': 'platform' }, actual), [
      'attachable: want false, have true',
      'internal: want true, have false',
      'subnets: want "10.0.30.0/24", have "10.9.0.0/24"',
      'label berth.kind: want "platform", have "x"',
    ]);
  });

  it('reports a local bridge network under the same name as drift', () => {
    const drift = networkDrift(PLATFORM_NETWORKS.data, LABELS, engineNetwork({ Driver: 'bridge', Scope: 'local' }));
    assert.deepEqual(drift.slice(0, 2), ['driver: want "overlay", have "bridge"', 'scope: want "swarm", have "local"']);
  });
});
