// renderCaddyConfig: the exact JSON Caddy 2.6.2 receives (key order included), and config comparison.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, renderCaddyConfig, sameCaddyConfig } from './caddy.ts';
import { planRoutes } from './routes.ts';
import { SAMPLE_DOMAINS } from './routes.fixtures.ts';
import { matchSnapshot } from '../../test/support/snapshot.ts';

const RESOLVER = 'udp/172.18.0.1:5300';
const ADMIN = { listen: 'unix//run/caddy/admin.sock', origins: ['localhost'], config: { persist: false } };
const NOT_FOUND = { handler: 'static_response', status_code: 404, body: 'Not Found\n' };

/** The literal reverse_proxy handler for one upstream (written out, not built by the code under test). */
function proxy(name: string, port: string) {
  return {
    handler: 'reverse_proxy',
    dynamic_upstreams: { source: 'a', name, port, refresh: '0.5s', resolver: { addresses: [RESOLVER] } },
    load_balancing: { selection_policy: { policy: 'round_robin' }, try_duration: '10s', try_interval: '250ms' },
    health_checks: { passive: { fail_duration: '5s', max_fails: 1 } },
    transport: { protocol: 'http', dial_timeout: '1s' },
  };
}

function server(routes: unknown[]) {
  return { admin: ADMIN, apps: { http: { servers: { berth: { listen: [':80'], automatic_https: { disable: true }, routes } } } } };
}

const exact = (actual: unknown, expected: unknown) => assert.equal(JSON.stringify(actual, null, 2), JSON.stringify(expected, null, 2));

describe('renderCaddyConfig', () => {
  it('renders an empty table as the admin socket plus a 404 for every request', () => {
    exact(renderCaddyConfig(planRoutes({ domains: [] }), { resolver: RESOLVER }), server([{ handle: [NOT_FOUND] }]));
  });

  it('renders the sample table exactly', () => {
    const table = planRoutes({ domains: SAMPLE_DOMAINS, acmeChallengeUpstream: { name: 'control.upstream.berth', port: 3000 } });
    exact(renderCaddyConfig(table, { resolver: RESOLVER }), server([
      { match: [{ path: ['/.well-known/acme-challenge/*'] }], handle: [proxy('control.upstream.berth.', '3000')], terminal: true },
      {
        match: [{ host: ['admin.example.com'] }],
        handle: [{ handler: 'subroute', routes: [
          {
            handle: [
              {
                handler: 'authentication',
                providers: { http_basic: {
                  // base64 of $2a$14$uxTRhmWfRKwWBLPEwal9.upsnWbdN4Tv62eYxmFKOZZu/ByramzeG
                  accounts: [{ username: 'ops', password: 'JDJhJDE0JHV4VFJobVdmUkt3V0JMUEV3YWw5LnVwc25XYmRONFR2NjJlWXhtRktPWlp1L0J5cmFtemVH' }],
                  hash: { algorithm: 'bcrypt' },
                  realm: 'restricted',
                } },
              },
              proxy('web.upstream.berth.', '3000'),
            ],
            terminal: true,
          },
        ] }],
        terminal: true,
      },
      {
        match: [{ host: ['docs.example.com'] }],
        handle: [{ handler: 'subroute', routes: [
          {
            match: [{ path: ['/guide', '/guide/*'] }],
            handle: [{ handler: 'static_response', status_code: 307, headers: { Location: ['https://guide.example.net/v1{http.request.uri}'] } }],
            terminal: true,
          },
          { handle: [NOT_FOUND] },
        ] }],
        terminal: true,
      },
      {
        match: [{ host: ['old.example.com'] }],
        handle: [{ handler: 'subroute', routes: [
          { handle: [{ handler: 'static_response', status_code: 308, headers: { Location: ['https://shop.example.com{http.request.uri}'] } }], terminal: true },
        ] }],
        terminal: true,
      },
      {
        match: [{ host: ['shop.example.com'] }],
        handle: [{ handler: 'subroute', routes: [
          { match: [{ path: ['/api/v2', '/api/v2/*'] }], handle: [proxy('api.upstream.berth.', '9090')], terminal: true },
          { match: [{ path: ['/api', '/api/*'] }], handle: [proxy('api.upstream.berth.', '8080')], terminal: true },
          { handle: [proxy('web.upstream.berth.', '3000')], terminal: true },
        ] }],
        terminal: true,
      },
      {
        match: [{ host: ['www.blog.example.org'] }],
        handle: [{ handler: 'subroute', routes: [{ handle: [proxy('web.upstream.berth.', '3000')], terminal: true }] }],
        terminal: true,
      },
      {
        match: [{ host: ['blog.example.org'] }],
        handle: [{ handler: 'static_response', status_code: 308, headers: { Location: ['{http.request.scheme}://www.blog.example.org{http.request.uri}'] } }],
        terminal: true,
      },
      {
        match: [{ host: ['www.shop.example.com'] }],
        handle: [{ handler: 'static_response', status_code: 308, headers: { Location: ['{http.request.scheme}://shop.example.com{http.request.uri}'] } }],
        terminal: true,
      },
      { handle: [NOT_FOUND] },
    ]));
  });

  it('puts the admin socket where it is told', () => {
    const config = renderCaddyConfig(planRoutes({ domains: [] }), { resolver: RESOLVER, adminSocket: '/srv/proxy/admin.sock' });
    assert.deepEqual(config.admin, { ...ADMIN, listen: 'unix//srv/proxy/admin.sock' });
  });

  it('is deterministic: the same domains in any order render the same text', () => {
    const a = renderCaddyConfig(planRoutes({ domains: SAMPLE_DOMAINS }), { resolver: RESOLVER });
    const b = renderCaddyConfig(planRoutes({ domains: [...SAMPLE_DOMAINS].reverse() }), { resolver: RESOLVER });
    assert.equal(JSON.stringify(a), JSON.stringify(b));
  });
});

describe('renderCaddyConfig with certificates', () => {
  const CERT = '-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n';
  const KEY = '-----BEGIN EC PRIVATE KEY-----\nREVG\n-----END EC PRIVATE KEY-----\n';
  const table = planRoutes({
    domains: [
      { host: 'shop.example.com', upstream: { name: 'web.upstream.berth', port: 3000 }, wwwRedirect: 'www-to-apex' },
      { host: 'plain.example.com', upstream: { name: 'web.upstream.berth', port: 3000 } },
    ],
    acmeChallengeUpstream: { name: 'control.upstream.berth', port: 8089 },
    certificates: [{ hosts: ['www.shop.example.com', 'shop.example.com'], certificatePem: CERT, keyPem: KEY }],
  });

  it('serves certified hosts on :443 with the loaded PEM and redirects them from :80, challenges excepted', () => {
    const acme = { match: [{ path: ['/.well-known/acme-challenge/*'] }], handle: [proxy('control.upstream.berth.', '8089')], terminal: true };
    const shop = { match: [{ host: ['shop.example.com'] }], handle: [{ handler: 'subroute', routes: [{ handle: [proxy('web.upstream.berth.', '3000')], terminal: true }] }], terminal: true };
    const plain = { ...shop, match: [{ host: ['plain.example.com'] }] };
    const wwwRedirect = { match: [{ host: ['www.shop.example.com'] }], handle: [{ handler: 'static_response', status_code: 308, headers: { Location: ['{http.request.scheme}://shop.example.com{http.request.uri}'] } }], terminal: true };
    const toHttps = { match: [{ host: ['shop.example.com'] }], handle: [{ handler: 'static_response', status_code: 308, headers: { Location: ['https://{http.request.host}{http.request.uri}'] } }], terminal: true };
    exact(renderCaddyConfig(table, { resolver: RESOLVER }), {
      admin: ADMIN,
      apps: {
        http: {
          servers: {
            berth: { listen: [':80'], automatic_https: { disable: true }, routes: [acme, plain, toHttps, wwwRedirect, { handle: [NOT_FOUND] }] },
            berth_tls: { listen: [':443'], automatic_https: { disable: true }, tls_connection_policies: [{}], routes: [shop, wwwRedirect, { handle: [NOT_FOUND] }] },
          },
        },
        tls: { certificates: { load_pem: [{ certificate: CERT, key: KEY, tags: ['berth:shop.example.com'] }] } },
      },
    });
  });

  it('refuses a certificate that is not PEM, naming the field', () => {
    assert.throws(
      () => planRoutes({ domains: [], certificates: [{ hosts: ['a.example.com'], certificatePem: 'x', keyPem: KEY }] }),
      (err: Error & { issues?: { path: string }[] }) => err.issues?.[0]?.path === 'certificates/0/certificatePem',
    );
  });
});

describe('renderCaddyConfig with per-host HTTPS choices', () => {
  const CERT = '-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n';
  const KEY = '-----BEGIN PRIVATE KEY-----\nREVG\n-----END PRIVATE KEY-----\n';
  const up = { name: 'web.upstream.berth', port: 3000 };
  const table = planRoutes({
    domains: ['hsts.example.com', 'both.example.com', 'off.example.com', 'web.apps.example.com', 'default.example.com'].map((host) => ({ host, upstream: up })),
    certificates: [
      { hosts: ['hsts.example.com'], certificatePem: CERT, keyPem: KEY },
      { hosts: ['both.example.com'], certificatePem: CERT, keyPem: KEY },
      { hosts: ['off.example.com'], certificatePem: CERT, keyPem: KEY },
      { hosts: ['*.apps.example.com', 'apps.example.com'], certificatePem: CERT, keyPem: KEY },
      { hosts: ['default.example.com'], certificatePem: CERT, keyPem: KEY },
    ],
    hostTls: [
      { host: 'hsts.example.com', https: true, redirectHttp: true, hstsMaxAge: 31536000 },
      { host: 'both.example.com', https: true, redirectHttp: false },
      { host: 'off.example.com', https: false, redirectHttp: true, hstsMaxAge: 600 },
      { host: 'default.example.com', https: true, redirectHttp: true },
    ],
  });

  it('keeps only choices that differ from the defaults in the table', () => {
    assert.deepEqual(table.hostTls?.map((t) => t.host), ['both.example.com', 'hsts.example.com', 'off.example.com']);
  });

  it('renders HSTS on HTTPS answers, plain HTTP kept when the redirect is off, HTTP only when HTTPS is off, wildcard coverage (snapshot)', () => {
    const config = renderCaddyConfig(table, { resolver: RESOLVER }) as { apps: { http: { servers: Record<string, { routes: { match?: { host?: string[] }[]; handle: { handler: string; status_code?: number }[] }[] }> } } };
    const { berth, berth_tls: tls } = config.apps.http.servers;
    const on = (routes: NonNullable<typeof berth>['routes'], host: string) => routes.find((r) => r.match?.[0]?.host?.[0] === host);
    assert.equal(on(berth!.routes, 'hsts.example.com')?.handle[0]?.status_code, 308);
    assert.equal(on(berth!.routes, 'both.example.com')?.handle[0]?.handler, 'subroute', 'plain HTTP still serves');
    assert.equal(on(berth!.routes, 'off.example.com')?.handle[0]?.handler, 'subroute');
    assert.equal(on(tls!.routes, 'off.example.com'), undefined, 'HTTPS off: not on :443');
    assert.equal(on(berth!.routes, 'web.apps.example.com')?.handle[0]?.status_code, 308, 'covered by the wildcard');
    assert.deepEqual(on(tls!.routes, 'hsts.example.com')?.handle[0], { handler: 'headers', response: { set: { 'Strict-Transport-Security': ['max-age=31536000'] } } });
    matchSnapshot('caddy-https-choices', config);
  });

  it('refuses bad choices naming the field', () => {
    assert.throws(
      () => planRoutes({ domains: [], hostTls: [{ host: 'a.example.com', https: true, redirectHttp: true, hstsMaxAge: -5 }, { host: 'a.example.com', https: true, redirectHttp: true }] }),
      (err: Error & { issues?: { path: string }[] }) => JSON.stringify(err.issues?.map((i) => i.path)) === '["hostTls/0/hstsMaxAge"]',
    );
    assert.throws(
      () => planRoutes({ domains: [], hostTls: [{ host: 'a.example.com', https: false, redirectHttp: true }, { host: 'a.example.com', https: true, redirectHttp: true }] }),
      /hostTls\/1\/host: a\.example\.com is listed twice/,
    );
  });
});

describe('sameCaddyConfig', () => {
  const rendered = renderCaddyConfig(planRoutes({ domains: SAMPLE_DOMAINS }), { resolver: RESOLVER });

  it('ignores object key order (Caddy answers GET /config/ with sorted keys)', () => {
    const running = JSON.parse(canonicalJson(rendered));
    assert.notEqual(JSON.stringify(running), JSON.stringify(rendered));
    assert.equal(sameCaddyConfig(running, rendered), true);
  });

  it('sees any other difference, array order included', () => {
    assert.equal(sameCaddyConfig(null, rendered), false);
    const other = renderCaddyConfig(planRoutes({ domains: SAMPLE_DOMAINS }), { resolver: 'udp/172.18.0.1:5301' });
    assert.equal(sameCaddyConfig(other, rendered), false);
    const reordered = JSON.parse(JSON.stringify(rendered));
    reordered.apps.http.servers.berth.routes.reverse();
    assert.equal(sameCaddyConfig(reordered, rendered), false);
  });
});
