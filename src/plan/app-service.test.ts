import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appSpecSchema } from '../core/services/kinds.ts';
import { planAppService, projectNetworkName, releaseName } from './app-service.ts';
import { matchSnapshot } from '../../test/support/snapshot.ts';

const service = {
  id: '6f1c2a4e-1111-4222-8333-944455556666',
  name: 'web',
  projectId: '0a0b0c0d-aaaa-4bbb-8ccc-dddddddddddd',
  orgId: '11111111-2222-4333-8444-555555555555',
  environmentId: '99999999-8888-4777-8666-555555555555',
};
const deployment = { id: 'dddddddd-eeee-4fff-8000-111111111111', image: 'sha256:' + 'ab'.repeat(32) };

describe('app release planner', () => {
  it('plans a minimal routed app', () => {
    const spec = appSpecSchema.parse({ port: 3000 });
    matchSnapshot('app-service.minimal', planAppService({ service, spec, deployment, env: {}, routed: true }));
  });

  it('plans every option: env with secrets, limits, health check, volumes, binds, ports, placement', () => {
    const spec = appSpecSchema.parse({
      port: 8080,
      replicas: 3,
      command: ['node', 'server.js', '--flag=$(not-a-shell)'],
      healthCheck: { path: '/healthz', intervalSeconds: 1, retries: 5, startPeriodSeconds: 3 },
      resources: { cpus: 0.5, memoryMb: 256, reserveCpus: 0.1, reserveMemoryMb: 64 },
      volumes: [{ name: 'uploads', target: '/srv/uploads' }],
      bindMounts: [{ source: '/etc/ssl/certs', target: '/etc/ssl/certs' }],
      ports: [{ published: 2222, target: 22 }],
      placement: ['node.labels.tier==app', 'node.role!=manager'],
      stopGracePeriodSeconds: 30,
    });
    matchSnapshot('app-service.full', planAppService({ service, spec, deployment, env: { Z_LAST: '1', DATABASE_URL: 'postgres://u:secret@db/app', A_FIRST: 'x y' }, routed: false }));
  });

  it('names are valid DNS labels and stable', () => {
    const name = releaseName(service.id, deployment.id);
    assert.match(name, /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/);
    assert.equal(name, 'app-6f1c2a4e1111-dddddddd');
    assert.equal(projectNetworkName(service.projectId), 'berth-p-0a0b0c0daaaa');
  });
});
