// Errors of the ingress use-case. A drain that does not finish is its own error: the new release is
// already published (traffic has moved), only the old one still holds requests; the caller decides
// whether to stop it anyway or to wait longer.
// Must never hide which addresses still held requests.
import { BerthError } from '../errors.ts';

export interface PendingUpstream {
  address: string;
  numRequests: number;
}

/** The old addresses still had requests in flight when the drain's time ran out. */
export class DrainTimeout extends BerthError {
  readonly status = 504;
  readonly code = 'drain_timeout';
  constructor(
    readonly upstreamName: string,
    readonly timeoutMs: number,
    readonly pending: PendingUpstream[],
  ) {
    const list = pending.map((p) => `${p.address} (${p.numRequests} in flight)`).join(', ');
    super(`draining ${upstreamName} did not finish within ${timeoutMs} ms; still busy: ${list}; the new addresses are published`);
  }
}

/** The proxy's Swarm task did not come up (image missing, port taken, bad mount). */
export class ProxyNotReady extends BerthError {
  readonly status = 503;
  readonly code = 'proxy_not_ready';
}
