// The HTTP client against real local HTTP servers: the request it sends, how error bodies and
// non-Berth answers become ApiError, and how a closed port or a silent server becomes UnreachableError.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ApiClient, networkReason, path } from './api-client.ts';
import { ApiError, EXIT, UnreachableError } from './errors.ts';

interface Seen {
  method?: string;
  url?: string;
  headers?: IncomingMessage['headers'];
  body?: string;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('path', () => {
  it('encodes every interpolated segment', () => {
    assert.equal(path`/api/orgs/${'a/b'}/projects/${'x y'}`, '/api/orgs/a%2Fb/projects/x%20y');
  });
});

describe('networkReason', () => {
  it('names the common failures in a few words', () => {
    assert.equal(networkReason({ cause: { code: 'ECONNREFUSED' } }, 30_000), 'connection refused');
    assert.equal(networkReason({ cause: { code: 'ENOTFOUND' } }, 30_000), 'host not found');
    assert.equal(networkReason({ cause: { errors: [{ code: 'ECONNREFUSED' }] } }, 30_000), 'connection refused');
    assert.equal(networkReason({ name: 'TimeoutError' }, 30_000), 'no answer within 30 s');
    assert.equal(networkReason({ cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' } }, 1), 'TLS error: self-signed certificate');
    assert.equal(networkReason({ message: 'fetch failed', cause: { message: 'bad port' } }, 1), 'bad port');
  });
});

describe('ApiClient', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('sends the API key, JSON body and query, and returns the parsed answer', async () => {
    const seen: Seen = {};
    const { url, server } = await serve((req, res, body) => {
      Object.assign(seen, { method: req.method, url: req.url, headers: req.headers, body });
      json(res, 201, { id: 'p1', name: 'shop' });
    });
    servers.push(server);
    const client = new ApiClient({ url: url + '/', apiKey: 'berth_k', userAgent: 'berth-cli/test' });
    assert.equal(client.url, url);
    const created = await client.createProject('acme', { name: 'shop' });
    assert.deepEqual(created, { id: 'p1', name: 'shop' });
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/api/orgs/acme/projects');
    assert.equal(seen.headers?.authorization, 'Bearer berth_k');
    assert.equal(seen.headers?.['content-type'], 'application/json');
    assert.equal(seen.headers?.['user-agent'], 'berth-cli/test');
    assert.deepEqual(JSON.parse(seen.body!), { name: 'shop' });

    await client.listServices('acme', { project: 'shop', environment: undefined });
    assert.equal(seen.url, '/api/orgs/acme/services?project=shop');
    await client.deleteProject('acme', 'shop');
    assert.equal(seen.method, 'DELETE');
    assert.equal(seen.headers?.['content-type'], undefined, 'no body, no content-type (Fastify refuses an empty JSON body)');
  });

  it("turns the server's error body into an ApiError with its issues", async () => {
    const { url, server } = await serve((req, res) => {
      if (req.url === '/api/me') return json(res, 401, { error: 'unauthorized', message: 'invalid or revoked API key' });
      json(res, 400, { error: 'invalid', message: 'body/name: expected a DNS label', issues: [{ path: 'body/name', message: 'expected a DNS label' }] });
    });
    servers.push(server);
    const client = new ApiClient({ url, apiKey: 'k' });
    await assert.rejects(client.createProject('acme', { name: 'Bad_Name' }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'invalid');
      assert.deepEqual(err.issues, [{ path: 'body/name', message: 'expected a DNS label' }]);
      assert.equal(err.exitCode, EXIT.failed);
      return true;
    });
    await assert.rejects(client.me(), (err: unknown) => err instanceof ApiError && err.exitCode === EXIT.unauthenticated);
  });

  it('says when the answer is not from a Berth server', async () => {
    const { url, server } = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    servers.push(server);
    await assert.rejects(new ApiClient({ url }).me(), /unexpected answer from http:\/\/127\.0\.0\.1:\d+ to GET \/api\/me: not JSON: is this a Berth server\?/);
  });

  it('reports a closed port as "connection refused"', async () => {
    const { url, server } = await serve(() => undefined);
    await new Promise((r) => server.close(r));
    await assert.rejects(new ApiClient({ url }).me(), (err: unknown) => {
      assert.ok(err instanceof UnreachableError);
      assert.equal(err.message, `cannot reach ${url}: connection refused`);
      assert.equal(err.exitCode, EXIT.unreachable);
      return true;
    });
  });

  it('gives up on a server that never answers', async () => {
    const { url, server } = await serve(() => undefined);
    servers.push(server);
    await assert.rejects(new ApiClient({ url, timeoutMs: 200 }).me(), { name: 'UnreachableError', message: `cannot reach ${url}: no answer within 200 ms` });
    server.closeAllConnections();
  });

  it('drives the deployment routes of a service, with every name URL-encoded', async () => {
    const seen: Seen[] = [];
    const { url, server } = await serve((req, res, body) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      json(res, req.method === 'POST' ? 202 : 200, req.url?.endsWith('/deployments?limit=5') ? [] : { id: 'd1' });
    });
    servers.push(server);
    const client = new ApiClient({ url, apiKey: 'k' });
    const scope = { org: 'acme', project: 'shop', env: 'pre prod' };
    const base = '/api/orgs/acme/projects/shop/environments/pre%20prod/services/web';
    await client.deploy(scope, 'web');
    await client.rollback(scope, 'web');
    await client.rollback(scope, 'web', 'd0');
    await client.listDeployments(scope, 'web', 5);
    await client.cancelDeployment(scope, 'web', 'a/b');
    await client.deploymentLog(scope, 'web', 'd1', 3);
    assert.deepEqual(
      seen.map((r) => [r.method, r.url, r.body]),
      [
        ['POST', `${base}/deployments`, ''],
        // A body-less POST /rollback is refused by the server (400 "expected object, received null").
        ['POST', `${base}/rollback`, '{}'],
        ['POST', `${base}/rollback`, '{"to":"d0"}'],
        ['GET', `${base}/deployments?limit=5`, ''],
        ['POST', `${base}/deployments/a%2Fb/cancel`, ''],
        ['GET', `${base}/deployments/d1/logs?after=3`, ''],
      ],
    );
  });
});

describe('ApiClient.events', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));

  function sse(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    res.write(': hello\n\n');
  }

  async function collect(events: AsyncIterable<{ event: string; data: string }>): Promise<string[]> {
    const out: string[] = [];
    for await (const e of events) out.push(`${e.event}:${e.data}`);
    return out;
  }

  /** A stream that sends one event (data 1) and stays open; `closed()` settles when the client's connection closes. */
  async function oneEventThenOpen(): Promise<{ url: string; closed: () => Promise<void> }> {
    let closed!: Promise<void>;
    const { url, server } = await serve((req, res) => {
      closed = new Promise((resolve) => req.socket.once('close', () => resolve()));
      sse(res);
      res.write('event: line\ndata: 1\n\n');
    });
    servers.push(server);
    return { url, closed: () => closed };
  }

  it('yields each event as it arrives, before the stream ends', async () => {
    let release: () => void = () => undefined;
    const seen: Seen = {};
    const { url, server } = await serve((req, res) => {
      Object.assign(seen, { url: req.url, headers: req.headers });
      sse(res);
      res.write('event: line\ndata: {"seq":1}\n\n');
      // The second event waits until the client has seen the first: a buffering client would hang.
      release = () => res.end('id: 2\nevent: end\ndata: {}\n\n');
    });
    servers.push(server);
    const events: string[] = [];
    for await (const e of new ApiClient({ url, apiKey: 'k' }).events('/stream', { query: { follow: 'true', skip: undefined } })) {
      events.push(`${e.event}:${e.data}:${e.id ?? ''}`);
      if (events.length === 1) release();
    }
    assert.deepEqual(events, ['line:{"seq":1}:', 'end:{}:2']);
    assert.equal(seen.url, '/stream?follow=true');
    assert.equal(seen.headers?.accept, 'text/event-stream');
    assert.equal(seen.headers?.authorization, 'Bearer k');
  });

  it('sends the query and turns an error answer into an ApiError', async () => {
    let seenUrl: string | undefined;
    const { url, server } = await serve((req, res) => {
      seenUrl = req.url;
      json(res, 409, { error: 'conflict', message: 'the service has no live release yet' });
    });
    servers.push(server);
    await assert.rejects(collect(new ApiClient({ url }).events('/logs', { query: { follow: 'true', tail: '5' } })), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 409);
      assert.equal(err.message, 'the service has no live release yet');
      return true;
    });
    assert.equal(seenUrl, '/logs?follow=true&tail=5');
  });

  it('says when a 200 answer is not an event stream', async () => {
    const { url, server } = await serve((_req, res) => json(res, 200, { lines: [] }));
    servers.push(server);
    await assert.rejects(collect(new ApiClient({ url }).events('/x')), /unexpected answer from .* to GET \/x: not an event stream/);
  });

  it('gives up on a silent stream after the idle timeout, as a lost connection', async () => {
    const { url, server } = await serve((_req, res) => sse(res));
    servers.push(server);
    await assert.rejects(collect(new ApiClient({ url }).events('/x', { idleTimeoutMs: 200 })), (err: unknown) => {
      assert.ok(err instanceof UnreachableError);
      assert.equal(err.message, `cannot reach ${url}: connection lost: no data for 200 ms`);
      assert.equal(err.exitCode, EXIT.unreachable);
      return true;
    });
  });

  it('reports a connection the server drops mid-stream', async () => {
    const { url, server } = await serve((_req, res) => {
      sse(res);
      res.write('event: line\ndata: 1\n\n');
      setTimeout(() => res.destroy(), 50);
    });
    servers.push(server);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of new ApiClient({ url }).events('/x')) seen.push(e.data);
      })(),
      /cannot reach .*: connection lost/,
    );
    assert.deepEqual(seen, ['1']);
  });

  it('stops quietly when the caller aborts, and closes the connection', async () => {
    const { url, closed } = await oneEventThenOpen();
    const abort = new AbortController();
    const seen: string[] = [];
    for await (const e of new ApiClient({ url }).events('/x', { signal: abort.signal })) {
      seen.push(e.data);
      abort.abort();
    }
    assert.deepEqual(seen, ['1']);
    await closed();
  });

  it('closes the connection when the caller stops reading', async () => {
    const { url, closed } = await oneEventThenOpen();
    for await (const e of new ApiClient({ url }).events('/x')) {
      assert.equal(e.data, '1');
      break;
    }
    await closed();
  });
});
