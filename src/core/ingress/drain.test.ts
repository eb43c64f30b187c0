// waitForDrain: decided by the proxy's own per-address counts; a deadline and an AbortSignal bound it.
// The counts come from a scripted function here; ingress.int.test.ts drains against real Caddy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UpstreamUsage } from '../../infra/proxy/index.ts';
import { DrainTimeout, busyAddresses, hostOfAddress, waitForDrain } from './index.ts';

const usage = (address: string, num_requests: number): UpstreamUsage => ({ address, num_requests, fails: 0 });

/** Answers each poll with the next scripted list (the last one repeats). */
function scripted(...polls: UpstreamUsage[][]) {
  let calls = 0;
  const upstreams = async () => polls[Math.min(calls++, polls.length - 1)] ?? [];
  return { upstreams, calls: () => calls };
}

describe('drain', () => {
  it('reads the host out of an ip:port address', () => {
    assert.equal(hostOfAddress('10.0.10.5:8080'), '10.0.10.5');
    assert.equal(hostOfAddress('10.0.10.5'), '10.0.10.5');
  });

  it('counts only old addresses that hold requests, on any port', () => {
    const ips = new Set(['10.0.10.5', '10.0.10.6']);
    assert.deepEqual(busyAddresses([usage('10.0.10.5:8080', 2), usage('10.0.10.6:8080', 0), usage('10.0.10.7:8080', 9), usage('10.0.10.5:9090', 1)], ips), [
      { address: '10.0.10.5:8080', numRequests: 2 },
      { address: '10.0.10.5:9090', numRequests: 1 },
    ]);
  });

  it('returns at once when nothing old is busy (absent, or zero requests)', async () => {
    const proxy = scripted([usage('10.0.10.6:8080', 0), usage('10.0.10.9:8080', 4)]);
    await waitForDrain({ upstreams: proxy.upstreams, name: 'web.upstream.berth', ips: ['10.0.10.5', '10.0.10.6'], timeoutMs: 1000 });
    assert.equal(proxy.calls(), 1);
  });

  it('polls until the old addresses are released', async () => {
    const proxy = scripted([usage('10.0.10.5:8080', 2)], [usage('10.0.10.5:8080', 1)], [usage('10.0.10.5:8080', 0)], []);
    await waitForDrain({ upstreams: proxy.upstreams, name: 'web.upstream.berth', ips: ['10.0.10.5'], timeoutMs: 5000, pollMs: 5 });
    assert.equal(proxy.calls(), 3);
  });

  it('gives up at the deadline with DrainTimeout naming what is still busy', async () => {
    const proxy = scripted([usage('10.0.10.5:8080', 3)]);
    await assert.rejects(
      waitForDrain({ upstreams: proxy.upstreams, name: 'web.upstream.berth', ips: ['10.0.10.5'], timeoutMs: 30, pollMs: 5 }),
      (err) => err instanceof DrainTimeout && err.upstreamName === 'web.upstream.berth'
        && err.pending.length === 1 && err.pending[0]?.address === '10.0.10.5:8080' && /3 in flight/.test(err.message),
    );
  });

  it('stops when aborted', async () => {
    const proxy = scripted([usage('10.0.10.5:8080', 1)]);
    const controller = new AbortController();
    const waiting = waitForDrain({ upstreams: proxy.upstreams, name: 'web.upstream.berth', ips: ['10.0.10.5'], timeoutMs: 60_000, pollMs: 5, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('deploy cancelled')), 20);
    await assert.rejects(waiting, /deploy cancelled/);
  });
});
