// Health probes for API tests. Replaced by the real Docker-backed probes once app/probes.ts exists.
import type { HealthProbes } from '../../src/core/system/health.ts';

export function testProbes(): HealthProbes {
  return {
    docker: async () => ({ ok: false, detail: 'not checked in API tests', swarm: { ok: false, detail: 'not checked in API tests' } }),
    proxy: async () => ({ ok: false, detail: 'not configured' }),
  };
}
