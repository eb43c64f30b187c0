import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENGINES, ENGINE_IDS, imageFor } from '../core/databases/engines.ts';
import { matchSnapshot } from '../../test/support/snapshot.ts';
import { databaseServiceName, databaseVolumeName, planDatabaseService } from './database-service.ts';
import { INGRESS_NETWORK, projectNetworkName } from './app-service.ts';

const service = {
  id: '7e1c2a4e-1111-4222-8333-944455556666',
  name: 'main-db',
  projectId: '0a0b0c0d-aaaa-4bbb-8ccc-dddddddddddd',
  orgId: '11111111-2222-4333-8444-555555555555',
  environmentId: '99999999-8888-4777-8666-555555555555',
};
const credentials = { user: 'app', password: 'pw-0123456789abcdef0123456789abcdef', database: 'app', rootPassword: 'root-0123456789abcdef0123456789abcd' };

describe('database service planner', () => {
  for (const id of ENGINE_IDS) {
    it(`plans ${id} (default version, limits, external port)`, () => {
      const engine = ENGINES[id];
      matchSnapshot(
        `database-${id}`,
        planDatabaseService({
          service,
          engine,
          version: engine.defaultVersion,
          image: imageFor(engine, engine.defaultVersion),
          credentials,
          resources: { cpus: 1, memoryMb: 512 },
          externalPort: 15000 + ENGINE_IDS.indexOf(id),
          stopGracePeriodSeconds: 30,
          running: true,
          nodeId: 'x8k2m4n6p8q0r2s4t6v8w0y2z',
        }),
      );
    });
  }

  it('a stopped database keeps its spec with zero replicas; no external port by default; project network only; stop-first', () => {
    const spec = planDatabaseService({
      service, engine: ENGINES.postgres, version: '15', image: 'berth/postgres:15', credentials, resources: {}, stopGracePeriodSeconds: 10, running: false,
    });
    assert.deepEqual(spec.Mode, { Replicated: { Replicas: 0 } });
    assert.deepEqual(spec.EndpointSpec?.Ports, []);
    assert.deepEqual(spec.TaskTemplate.Networks?.map((n) => n.Target), [projectNetworkName(service.projectId)]);
    assert.ok(!JSON.stringify(spec).includes(INGRESS_NETWORK));
    assert.equal(spec.UpdateConfig?.Order, 'stop-first');
    assert.equal(spec.Name, databaseServiceName(service.id));
    assert.match(spec.Name, /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/);
    assert.equal(spec.TaskTemplate.ContainerSpec.Mounts?.[0]?.Source, databaseVolumeName(service.id));
    assert.ok(!JSON.stringify(spec.TaskTemplate.ContainerSpec.Args ?? []).includes(credentials.password), 'no password in the command');
  });
});
