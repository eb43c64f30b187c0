import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { projectSubnet } from './app-service.ts';

describe('project subnets', () => {
  it('are /24s in 10.64.0.0/10, stable per project, away from the platform networks', () => {
    const a = projectSubnet('0a0b0c0d-aaaa-4bbb-8ccc-dddddddddddd');
    assert.equal(a, projectSubnet('0a0b0c0d-aaaa-4bbb-8ccc-dddddddddddd'));
    for (const id of ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-8fff-ffffffffffff', '6f1c2a4e-1111-4222-8333-944455556666']) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const m = /^10\.(\d+)\.(\d+)\.0\/24$/.exec(projectSubnet(id, attempt));
        assert.ok(m, projectSubnet(id, attempt));
        assert.ok(Number(m[1]) >= 64 && Number(m[1]) <= 127 && Number(m[2]) <= 255);
      }
      assert.notEqual(projectSubnet(id, 0), projectSubnet(id, 1));
    }
  });
});
