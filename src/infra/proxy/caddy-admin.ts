// Client of Caddy's admin API over its unix socket (node:http with `socketPath`): load a whole config,
// read the running one, read upstream usage for drains. A request has a timeout and honours an AbortSignal.
// Must never PATCH or PUT pieces of the config (Berth pushes it whole, and only when it changed: every
// change resets idle keep-alive connections), and never reach the admin API over TCP.
import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { ProxyAdminError, ProxyUnavailable } from './errors.ts';

export interface CaddyAdminOptions {
  /** Host path of the admin socket, e.g. `<data dir>/proxy/admin.sock`. */
  socketPath: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

/** One entry of GET /reverse_proxy/upstreams: present only while a request (or health state) holds it. */
export interface UpstreamUsage {
  /** `ip:port`, shared across every route that uses it. */
  address: string;
  num_requests: number;
  fails: number;
}

const SOCKET_ERRORS = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EACCES']);

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** Caddy answers errors as `{"error": "..."}`. */
function messageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed?.error === 'string') return parsed.error;
  } catch {
    // not JSON: the body itself is the message
  }
  return body.trim() || '(empty body)';
}

export class CaddyAdmin {
  readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(options: CaddyAdminOptions) {
    this.socketPath = options.socketPath;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Replaces the whole running config (POST /load). Use only when the rendered config differs. */
  async load(config: unknown, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.send('POST', '/load', { body: JSON.stringify(config), signal: options.signal });
  }

  /** The running config (GET /config/); `null` when Caddy runs with none. */
  async config(options: { signal?: AbortSignal } = {}): Promise<unknown> {
    return JSON.parse(await this.send('GET', '/config/', { signal: options.signal }));
  }

  /** Upstreams currently held by requests, keyed by address across all routes. */
  async upstreams(options: { signal?: AbortSignal } = {}): Promise<UpstreamUsage[]> {
    const parsed = JSON.parse(await this.send('GET', '/reverse_proxy/upstreams', { signal: options.signal })) as UpstreamUsage[] | null;
    return parsed ?? [];
  }

  /** Resolves once the admin API answers; ProxyUnavailable after `timeoutMs` (default 30 s). */
  async waitUntilReady(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      try {
        await this.config({ signal: options.signal });
        return;
      } catch (err) {
        if (!(err instanceof ProxyUnavailable) || Date.now() > deadline) throw err;
      }
      await delay(100).then(() => options.signal?.throwIfAborted());
    }
  }

  private send(method: 'GET' | 'POST', path: string, options: { body?: string; signal?: AbortSignal }): Promise<string> {
    const { body, signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<string>((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath,
        // A fresh connection per call: Caddy replaces its admin server on every load, so a pooled
        // keep-alive socket may already be closed (EPIPE on the next write).
        agent: false,
        method,
        path,
        headers: { host: 'localhost', ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
        timeout: this.timeoutMs,
        ...(signal ? { signal } : {}),
      });
      req.on('timeout', () => req.destroy(new ProxyUnavailable(`proxy admin ${method} ${path}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (signal?.aborted) reject(abortError(signal));
        else if (err instanceof ProxyUnavailable) reject(err);
        else if (err.code && SOCKET_ERRORS.has(err.code)) reject(new ProxyUnavailable(`proxy admin API not reachable on ${this.socketPath}: ${err.code}`, { cause: err }));
        else reject(new ProxyUnavailable(`proxy admin ${method} ${path}: ${err.message}`, { cause: err }));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(text);
          else reject(new ProxyAdminError(method, path, status, messageOf(text)));
        });
      });
      req.end(body);
    });
  }
}
