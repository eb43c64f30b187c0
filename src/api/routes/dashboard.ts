// The dashboard (web/, built by Vite into web/dist/) served by the same process and port as the API.
// - /assets/* : content-hashed files, `Cache-Control: public, max-age=31536000, immutable`; the build
//   writes .br/.gz twins that are sent to clients accepting them. A missing asset is a plain 404.
// - any other GET outside /api/ : index.html (`no-cache`), so client routes (/orgs/acme) survive a
//   reload; never for /api/* (unknown API paths keep their JSON 404). Strict CSP: scripts only from
//   this origin plus the exact hashes of index.html's inline scripts.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { access } from '../access.ts';
import type { Api } from '../server.ts';

/** web/dist relative to this module: the same from src/api/routes and from dist/api/routes. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const IMMUTABLE = 'public, max-age=31536000, immutable';

function contentSecurityPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function dashboardRoutes(app: Api, opts: { dir?: string } = {}): Promise<void> {
  const dir = opts.dir ?? DASHBOARD_DIR;
  const indexFile = join(dir, 'index.html');
  const built = existsSync(indexFile);
  const html = built ? readFileSync(indexFile, 'utf8') : '';
  const csp = built ? contentSecurityPolicy(html) : '';

  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    serve: false,
    preCompressed: true,
    index: false,
    dotfiles: 'deny',
    cacheControl: false,
    etag: true,
    lastModified: true,
  });

  app.get('/assets/*', { config: { access: access.public }, schema: { hide: true } }, (req, reply) => {
    const file = (req.params as { '*': string })['*'];
    reply.header('cache-control', IMMUTABLE);
    return reply.sendFile(file);
  });

  const page = { config: { access: access.public }, schema: { hide: true } };
  const handler = async (req: { url: string; method: string }, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    if (path === '/api' || path.startsWith('/api/')) {
      return reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${path}` });
    }
    if (!built) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send('The Berth dashboard is not built: run `npm run build` (the API is at /api/).\n');
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'same-origin')
      .send(html);
  };
  app.get('/', page, handler);
  app.get('/*', page, handler);
}
