// A plain HTTP GET to a local port with a chosen Host header — how tests reach a routed host through the
// proxy's published port. fetch() cannot do it (Host is a forbidden header name), so this is node:http,
// without keep-alive so no socket outlives the test.
import { request } from 'node:http';

export interface HostAnswer {
  status: number;
  body: string;
}

/** GET http://127.0.0.1:<port><path> with `Host: <host>`: the status and the whole body. */
export function getWithHost(port: number, host: string, path = '/'): Promise<HostAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}
