// Errors of the proxy adapters. The admin API's own message is kept (`adminMessage`), the socket or
// HTTP failure as `cause`, so "Caddy refused this config" reads differently from "no Caddy there".
// Must never swallow the admin API's message.
import { BerthError, Unavailable } from '../../core/errors.ts';

/** The admin API answered with an error status (e.g. a config it rejects). */
export class ProxyAdminError extends BerthError {
  readonly status = 502;
  readonly code = 'proxy_admin_error';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly statusCode: number,
    readonly adminMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`proxy admin ${method} ${path} failed (${statusCode}): ${adminMessage}`, options);
  }
}

/** Nothing answers on the admin socket (proxy not started yet, restarting, wrong directory). */
export class ProxyUnavailable extends Unavailable {}
