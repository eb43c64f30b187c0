// CaddyAdmin without a proxy: a missing socket is ProxyUnavailable (the real admin API is exercised in
// core/ingress/ingress.int.test.ts).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaddyAdmin, ProxyUnavailable } from './index.ts';

let root = '';
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('CaddyAdmin', () => {
  it('reports a missing socket as ProxyUnavailable, and waitUntilReady gives up at its deadline', async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-caddy-admin-'));
    const admin = new CaddyAdmin({ socketPath: join(root, 'admin.sock') });
    await assert.rejects(admin.config(), (err) => err instanceof ProxyUnavailable && /ENOENT/.test(err.message));
    await assert.rejects(admin.upstreams(), ProxyUnavailable);
    await assert.rejects(admin.waitUntilReady({ timeoutMs: 150 }), ProxyUnavailable);
  });

  it('rejects with the abort reason when the signal is already aborted', async () => {
    const admin = new CaddyAdmin({ socketPath: '/nonexistent/admin.sock' });
    await assert.rejects(admin.load({}, { signal: AbortSignal.abort(new Error('cancelled')) }), /cancelled/);
  });
});
