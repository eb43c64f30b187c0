// planProxyService: the exact Swarm spec of the Caddy proxy (host-mode ports, dnsrr, pinned node, bind mount).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planProxyService } from './caddy-service.ts';

const NS = 1_000_000_000;

describe('planProxyService', () => {
  it('plans the proxy service exactly', () => {
    const spec = planProxyService({
      image: 'caddy:2',
      adminSocketDir: '/var/lib/berth/proxy',
      ports: { http: 80, https: 443 },
      nodeId: 'n0d3',
      network: 'berth-ingress',
      labels: { 'berth.kind': 'proxy' },
    });
    assert.equal(JSON.stringify(spec, null, 2), JSON.stringify({
      Name: 'berth-proxy',
      Labels: { 'berth.kind': 'proxy' },
      TaskTemplate: {
        ContainerSpec: {
          Image: 'caddy:2',
          Command: ['caddy', 'run', '--config', '/run/caddy/caddy.json'],
          Mounts: [{ Type: 'bind', Source: '/var/lib/berth/proxy', Target: '/run/caddy' }],
          StopGracePeriod: 10 * NS,
        },
        RestartPolicy: { Condition: 'any', Delay: NS, MaxAttempts: 0 },
        Placement: { Constraints: ['node.id==n0d3'] },
        Networks: [{ Target: 'berth-ingress' }],
      },
      Mode: { Replicated: { Replicas: 1 } },
      UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback', Monitor: 5 * NS },
      EndpointSpec: {
        Mode: 'dnsrr',
        Ports: [
          { Protocol: 'tcp', TargetPort: 80, PublishedPort: 80, PublishMode: 'host' },
          { Protocol: 'tcp', TargetPort: 443, PublishedPort: 443, PublishMode: 'host' },
        ],
      },
    }, null, 2));
  });

  it('publishes the ports it is given and takes a name', () => {
    const spec = planProxyService({ name: 'bt-proxy', image: 'berth/caddy:2', adminSocketDir: '/tmp/p', ports: { http: 18080, https: 18443 }, nodeId: 'n', network: 'berth-ingress', labels: {} });
    assert.equal(spec.Name, 'bt-proxy');
    assert.deepEqual(spec.EndpointSpec?.Ports?.map((port) => [port.PublishedPort, port.TargetPort, port.PublishMode]), [[18080, 80, 'host'], [18443, 443, 'host']]);
  });
});
