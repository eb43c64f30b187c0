// Test support: HTTPS requests to a loopback proxy port with a given SNI/Host and trusted root, reporting
// the certificate served; and a bounded HTTPS load (new TLS connection per request, and keep-alive
// workers) that counts every request and the serials it saw. A request is sent once, except that a
// keep-alive worker sends it again when the server closed its pooled connection before any answer
// (ECONNRESET before a response: RFC 9112 §9.3.1 lets a client retry an idempotent request; browsers, curl
// and Go's client do for reused connections; at most 5 times); those retries are counted apart. Any other
// error — a reset after the answer began, a TLS error, a timeout, on any worker — is a failed request.
// Must never send traffic anywhere but 127.0.0.1, nor run unbounded.
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';

export interface HttpsAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  serial: string;
  fingerprint: string;
}

export function httpsGet(opts: { port: number; host: string; ca: string; path?: string; agent?: Agent | false }): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: opts.port, servername: opts.host, path: opts.path ?? '/', headers: { host: opts.host }, ca: opts.ca, agent: opts.agent ?? false, timeout: 15_000 },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, serial: peer.serialNumber, fingerprint: peer.fingerprint256 }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket, beforeResponse: !answered })));
    req.end();
  });
}

export interface HttpsLoadReport {
  requests: number;
  ok: number;
  non200: number;
  errors: Record<string, number>;
  /** Serials seen on new connections, in the order they first appeared. */
  serials: string[];
  /** Requests sent again because the server closed the idle keep-alive connection they were sent on. */
  staleConnectionRetries: number;
  /** Of those, how many were on a pooled connection that had just been opened (not a reused one). */
  newPooledConnectionRetries: number;
  durationMs: number;
}

/** `freshWorkers` open a TLS connection per request (each sees the certificate served now); `keepAliveWorkers` reuse theirs. */
export function startHttpsLoad(opts: { port: number; host: string; ca: string; freshWorkers: number; keepAliveWorkers: number; pauseMs: number; maxDurationMs: number }) {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.keepAliveWorkers, ca: opts.ca });
  const started = performance.now();
  const report: HttpsLoadReport = { requests: 0, ok: 0, non200: 0, errors: {}, serials: [], staleConnectionRetries: 0, newPooledConnectionRetries: 0, durationMs: 0 };
  // Like Go's transport: while a request fails on a reused idle connection before any answer, send it
  // again (the pool may hand out another connection the proxy closed at the same moment); bounded.
  const send = async (fresh: boolean) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await httpsGet({ port: opts.port, host: opts.host, ca: opts.ca, agent: fresh ? false : agent });
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean; beforeResponse?: boolean };
        // RFC 9112 §9.3.1: a GET whose connection closed before any answer may be sent again. A config
        // load makes Caddy close connections it considers idle — a reused one, or a pooled one that has
        // just been opened and whose request it has not read yet.
        if (fresh || !e.beforeResponse || e.code !== 'ECONNRESET' || attempt >= 5) throw err;
        report.staleConnectionRetries++;
        if (!e.reusedSocket) report.newPooledConnectionRetries++;
      }
    }
  };
  let stopping = false;
  const worker = async (fresh: boolean) => {
    while (!stopping && performance.now() - started < opts.maxDurationMs) {
      report.requests++;
      try {
        const res = await send(fresh);
        if (res.status === 200) report.ok++;
        else report.non200++;
        if (fresh && !report.serials.includes(res.serial)) report.serials.push(res.serial);
      } catch (err) {
        const code = `${fresh ? 'new connection' : 'keep-alive'}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        report.errors[code] = (report.errors[code] ?? 0) + 1;
      }
      await delay(opts.pauseMs);
    }
  };
  const workers = [...Array.from({ length: opts.freshWorkers }, () => worker(true)), ...Array.from({ length: opts.keepAliveWorkers }, () => worker(false))];
  return {
    report,
    async stop(): Promise<HttpsLoadReport> {
      stopping = true;
      await Promise.all(workers);
      agent.destroy();
      report.durationMs = Math.round(performance.now() - started);
      return report;
    },
  };
}
