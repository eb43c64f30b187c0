// Test HTTP server. GET / answers JSON naming the task that served it; /healthz answers 200;
// ?delay=MS holds the response (for drain tests). Logs one line per request to stdout.
// It must exit promptly on SIGTERM: as PID 1, node would otherwise ignore it and Swarm waits 10 s.
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const port = Number(process.env.PORT ?? 8080);
const version = process.env.APP_VERSION ?? 'v1';

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const delay = Math.min(Number(url.searchParams.get('delay') ?? 0) || 0, 60_000);
  setTimeout(() => {
    const body = url.pathname === '/healthz' ? 'ok\n' : JSON.stringify({ hostname: hostname(), version, path: url.pathname }) + '\n';
    res.writeHead(200, { 'content-type': url.pathname === '/healthz' ? 'text/plain' : 'application/json' });
    res.end(body);
    if (url.pathname !== '/healthz') console.log(`${req.method} ${url.pathname} 200`);
  }, delay);
});

server.listen(port, () => {
  console.log(`test-http ${version} listening on :${port}`);
  console.error('test-http: this line goes to stderr');
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`test-http: ${signal}, closing`);
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
    setTimeout(() => process.exit(0), 2_000).unref();
  });
}
