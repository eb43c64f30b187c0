// The dashboard is served by the API process: hashed assets immutable (and pre-compressed), index.html
// no-cache for every client route, and never in place of an /api/* answer.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { brotliDecompressSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { ensureDashboardBuilt } from '../../test/browser/support/server.ts';
import { DASHBOARD_DIR } from './routes/dashboard.ts';

describe('dashboard serving', () => {
  let t: TestApp;
  let entry: string;
  before(async () => {
    ensureDashboardBuilt();
    entry = readdirSync(join(DASHBOARD_DIR, 'assets')).find((f) => /^index-[\w-]+\.js$/.test(f))!;
    assert.ok(entry, 'the build has a hashed entry chunk');
    t = await testApp();
  });
  after(() => t.close());

  it('serves index.html at / and at client routes, no-cache, with a strict CSP', async () => {
    for (const url of ['/', '/login', '/orgs/acme/projects/web?tab=logs']) {
      const res = await t.api.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.match(res.body, /<div id="root"><\/div>/);
      assert.ok(res.body.includes(`/assets/${entry}`), 'index.html points at the hashed entry');
      const csp = String(res.headers['content-security-policy']);
      assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/, 'inline theme script allowed by hash only');
      assert.match(csp, /frame-ancestors 'none'/);
    }
  });

  it('serves hashed assets immutable, pre-compressed when accepted', async () => {
    const plain = await t.api.inject({ method: 'GET', url: `/assets/${entry}` });
    assert.equal(plain.statusCode, 200);
    assert.match(String(plain.headers['content-type']), /javascript/);
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.headers['content-encoding'], undefined);
    const br = await t.api.inject({ method: 'GET', url: `/assets/${entry}`, headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(br.statusCode, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.ok(br.rawPayload.length < plain.rawPayload.length / 2, 'compressed');
    assert.ok(brotliDecompressSync(br.rawPayload).equals(plain.rawPayload), 'the compressed twin is the same file');
  });

  it('keeps the initial JavaScript within 250 KB gzip (pages are lazy chunks)', () => {
    const html = readFileSync(join(DASHBOARD_DIR, 'index.html'), 'utf8');
    const initial = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="(?:modulepreload|stylesheet)"[^>]+href)="\/assets\/([^"]+)"/g)].map((m) => m[1]!);
    const size = (ext: string) =>
      initial.filter((f) => f.endsWith(ext)).reduce((n, f) => n + gzipSync(readFileSync(join(DASHBOARD_DIR, 'assets', f)), { level: 9 }).length, 0);
    const js = size('.js');
    const css = size('.css');
    assert.ok(js > 10_000, `the entry chunk is found (${js} bytes)`);
    assert.ok(js <= 250 * 1024, `initial JS is ${Math.round(js / 1024)} KB gzip, over the 250 KB budget`);
    assert.ok(css <= 50 * 1024, `initial CSS is ${Math.round(css / 1024)} KB gzip`);
  });

  it('answers 404 for a missing asset and never serves index.html for /api paths', async () => {
    const asset = await t.api.inject({ method: 'GET', url: '/assets/nope-123.js' });
    assert.equal(asset.statusCode, 404);
    assert.doesNotMatch(asset.body, /<html/);
    const traversal = await t.api.inject({ method: 'GET', url: '/assets/..%2f..%2fpackage.json' });
    assert.equal(traversal.statusCode === 404 || traversal.statusCode === 403, true);
    assert.doesNotMatch(traversal.body, /"dependencies"/);
    for (const url of ['/api/nope', '/api', '/api/orgs/acme/nope']) {
      const res = await t.api.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error, 'not_found');
    }
    const setup = await t.api.inject({ method: 'GET', url: '/api/setup' });
    assert.deepEqual(setup.json(), { required: true }, 'real API routes answer as before');
    const me = await t.api.inject({ method: 'GET', url: '/api/me' });
    assert.equal(me.statusCode, 401);
  });

  it('keeps the dashboard routes out of the OpenAPI document', async () => {
    const doc = (await t.api.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    assert.ok(!Object.keys(doc.paths).some((p) => !p.startsWith('/api/')), 'only /api paths are documented');
  });
});
