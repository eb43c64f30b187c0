// planRoutes: exact tables (ordering, redirects, auth, www ↔ apex, the ACME hook) and every refusal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Invalid } from '../core/errors.ts';
import { HOSTNAME, hostnameSchema, normalisePathPrefix, normaliseRedirectUrl, planRoutes, upstreamsOf, type DomainInput } from './routes.ts';
import { SAMPLE_DOMAINS, SAMPLE_TABLE } from './routes.fixtures.ts';

const web = { name: 'web.upstream.berth', port: 3000 };
const api = { name: 'api.upstream.berth', port: 8080 };

function issuesOf(domains: DomainInput[], extra: Partial<Parameters<typeof planRoutes>[0]> = {}): string[] {
  try {
    planRoutes({ domains, ...extra });
  } catch (err) {
    assert.ok(err instanceof Invalid, String(err));
    return err.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  assert.fail('expected Invalid');
}

describe('planRoutes', () => {
  it('plans the sample: hosts sorted, longest prefix first, redirect hosts explicit, 404 fallback', () => {
    const table = planRoutes({ domains: SAMPLE_DOMAINS });
    assert.equal(JSON.stringify(table, null, 2), JSON.stringify(SAMPLE_TABLE, null, 2));
  });

  it('gives the same table whatever the input order', () => {
    const reversed = planRoutes({ domains: [...SAMPLE_DOMAINS].reverse() });
    assert.equal(JSON.stringify(reversed), JSON.stringify(SAMPLE_TABLE));
  });

  it('plans an empty table (only the 404 fallback)', () => {
    assert.deepEqual(planRoutes({ domains: [] }), { hosts: [], hostRedirects: [], notFoundFallback: true });
  });

  it('keeps the ACME challenge hook', () => {
    const table = planRoutes({ domains: [], acmeChallengeUpstream: { name: 'control.upstream.berth', port: 3000 } });
    assert.deepEqual(table.acmeChallengeUpstream, { name: 'control.upstream.berth', port: 3000 });
  });

  it('lists distinct upstreams', () => {
    assert.deepEqual(upstreamsOf(SAMPLE_TABLE), [
      { name: 'api.upstream.berth', port: 8080 },
      { name: 'api.upstream.berth', port: 9090 },
      { name: 'web.upstream.berth', port: 3000 },
    ]);
  });

  it('refuses hosts that are not strict hostnames', () => {
    for (const host of ['Example.com', 'localhost', 'a..b.com', '-a.com', 'a-.com', '1.2.3.4', '*.example.com', 'example.com.', 'ex ample.com', 'exa{mple}.com', `${'a'.repeat(64)}.com`, '']) {
      assert.equal(HOSTNAME.test(host), false, host);
      assert.deepEqual(issuesOf([{ host, upstream: web }]), ['domains/0/host: expected a hostname: lowercase letters, digits, hyphens and dots'], host);
    }
    for (const host of ['example.com', 'a.b.example.co.uk', 'xn--bcher-kva.example', '0day.example.com']) assert.equal(HOSTNAME.test(host), true, host);
    assert.equal(hostnameSchema.safeParse('shop.example.com').success, true);
    assert.equal(hostnameSchema.safeParse('Shop.example.com').success, false);
  });

  it('normalises and refuses path prefixes', () => {
    assert.equal(normalisePathPrefix(undefined), '/');
    assert.equal(normalisePathPrefix('/api/'), '/api');
    assert.equal(normalisePathPrefix('/a/b.c/d-e'), '/a/b.c/d-e');
    for (const bad of ['api', '/a//b', '/a/../b', '/./a', '/a*', '/{x}', '/a b', '/a?b', '/a%2f', '/`x`', '/a(b)', '/$x']) {
      assert.equal(normalisePathPrefix(bad), undefined, bad);
    }
    assert.deepEqual(issuesOf([{ host: 'a.example.com', pathPrefix: '/a*', upstream: web }]), [
      'domains/0/pathPrefix: expected a path starting with /, segments of letters, digits and ._~@:+,=-',
    ]);
  });

  it('reserves the ACME challenge path', () => {
    for (const pathPrefix of ['/.well-known/acme-challenge', '/.well-known/acme-challenge/x']) {
      assert.deepEqual(issuesOf([{ host: 'a.example.com', pathPrefix, upstream: web }]), [
        'domains/0/pathPrefix: /.well-known/acme-challenge/ is reserved for certificate challenges',
      ]);
    }
    assert.doesNotThrow(() => planRoutes({ domains: [{ host: 'a.example.com', pathPrefix: '/.well-known', upstream: web }] }));
  });

  it('validates redirect targets', () => {
    assert.equal(normaliseRedirectUrl('https://example.com/'), 'https://example.com');
    assert.equal(normaliseRedirectUrl('http://example.com:8080/a/b'), 'http://example.com:8080/a/b');
    for (const bad of ['ftp://example.com', 'https://example.com/?q=1', 'https://example.com/#x', 'https://exa{mple}.com', 'https://example.com/{path}', 'https://example.com/$1', 'https://example.com:99999', '//example.com', 'https://1.2.3.4', 'https://example.com/a%zz']) {
      assert.equal(normaliseRedirectUrl(bad), undefined, bad);
    }
  });

  it('needs exactly one of upstream and redirect, and valid upstreams and auth', () => {
    assert.deepEqual(issuesOf([
      { host: 'a.example.com' },
      { host: 'b.example.com', upstream: web, redirect: { to: 'https://example.com', permanent: true } },
      { host: 'c.example.com', upstream: { name: 'Bad Name', port: 0 } },
      { host: 'd.example.com', upstream: web, basicAuth: { username: 'a:b', passwordHash: 'plain-password' } },
      { host: 'e.example.com', redirect: { to: 'javascript:alert(1)', permanent: true } },
    ]), [
      'domains/0: expected exactly one of upstream and redirect',
      'domains/1: expected exactly one of upstream and redirect',
      'domains/2/upstream/name: expected a DNS name: lowercase labels separated by dots',
      'domains/2/upstream/port: expected a port between 1 and 65535',
      'domains/3/basicAuth/username: expected 1-64 letters, digits or ._@+-',
      'domains/3/basicAuth/passwordHash: expected a bcrypt hash ($2a$, $2b$ or $2y$)',
      'domains/4/redirect/to: expected an absolute http(s) URL without query or fragment',
    ]);
  });

  it('refuses conflicts instead of picking a winner', () => {
    assert.deepEqual(issuesOf([
      { host: 'a.example.com', pathPrefix: '/x', upstream: web },
      { host: 'a.example.com', pathPrefix: '/x/', upstream: api },
      { host: 'example.com', upstream: web, wwwRedirect: 'www-to-apex' },
      { host: 'www.example.com', upstream: api },
    ]), [
      'domains/1/pathPrefix: a.example.com/x is routed twice',
      'domains/2/wwwRedirect: www.example.com is served by its own domain; it cannot also redirect',
    ]);
  });

  it('checks the direction of www redirects', () => {
    assert.deepEqual(issuesOf([
      { host: 'www.example.com', upstream: web, wwwRedirect: 'www-to-apex' },
      { host: 'example.net', upstream: web, wwwRedirect: 'apex-to-www' },
      { host: 'example.org', upstream: web, wwwRedirect: 'sideways' as never },
    ]), [
      'domains/0/wwwRedirect: www-to-apex needs the apex host (without www.) as the domain',
      'domains/1/wwwRedirect: apex-to-www needs a www. host whose apex is a valid hostname',
      'domains/2/wwwRedirect: expected "www-to-apex" or "apex-to-www"',
    ]);
  });

  it('accepts the same www redirect from several paths of one host', () => {
    const table = planRoutes({ domains: [
      { host: 'example.com', upstream: web, wwwRedirect: 'www-to-apex' },
      { host: 'example.com', pathPrefix: '/api', upstream: api, wwwRedirect: 'www-to-apex' },
    ] });
    assert.deepEqual(table.hostRedirects, [{ host: 'www.example.com', toHost: 'example.com' }]);
  });
});
