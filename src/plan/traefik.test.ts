// renderTraefikConfig: the exact Traefik v3 dynamic configuration (key order included). Traefik does not
// run on the test machines, so this snapshot is its only test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planRoutes } from './routes.ts';
import { SAMPLE_DOMAINS } from './routes.fixtures.ts';
import { renderTraefikConfig, traefikHttpProviderResponse } from './traefik.ts';

const ANY_URL = '^(https?)://[^/]+(.*)$';
const WEB = ['web'];
const lb = (...urls: string[]) => ({ loadBalancer: { servers: urls.map((url) => ({ url })), passHostHeader: true } });
const exact = (actual: unknown, expected: unknown) => assert.equal(JSON.stringify(actual, null, 2), JSON.stringify(expected, null, 2));
const addressesOf = (name: string) => (name === 'web.upstream.berth' ? ['10.0.10.7', '10.0.10.5'] : undefined);

describe('renderTraefikConfig', () => {
  it('renders an empty table as empty sections (Traefik answers 404 when no router matches)', () => {
    exact(renderTraefikConfig(planRoutes({ domains: [] })), { http: { routers: {}, services: {}, middlewares: {} } });
  });

  it('renders the sample table exactly', () => {
    const table = planRoutes({ domains: SAMPLE_DOMAINS, acmeChallengeUpstream: { name: 'control.upstream.berth', port: 3000 } });
    exact(renderTraefikConfig(table, { addressesOf }), {
      http: {
        routers: {
          'acme-challenge': { rule: 'PathPrefix(`/.well-known/acme-challenge/`)', priority: 10000, service: 'upstream-control-upstream-berth-3000-2c76d99d', entryPoints: WEB },
          'route-admin-example-com-e96cd068': {
            rule: 'Host(`admin.example.com`)', priority: 1001, service: 'upstream-web-upstream-berth-3000-57a3fc99', entryPoints: WEB,
            middlewares: ['auth-admin-example-com-e96cd068', 'berth-retry'],
          },
          'route-docs-example-com-guide-21e2ee93': {
            rule: 'Host(`docs.example.com`) && (Path(`/guide`) || PathPrefix(`/guide/`))', priority: 1006, service: 'noop@internal', entryPoints: WEB,
            middlewares: ['redirect-docs-example-com-guide-21e2ee93'],
          },
          'route-old-example-com-59d3d043': {
            rule: 'Host(`old.example.com`)', priority: 1001, service: 'noop@internal', entryPoints: WEB, middlewares: ['redirect-old-example-com-59d3d043'],
          },
          'route-shop-example-com-api-v2-dd9ec0d8': {
            rule: 'Host(`shop.example.com`) && (Path(`/api/v2`) || PathPrefix(`/api/v2/`))', priority: 1007,
            service: 'upstream-api-upstream-berth-9090-53e33e0f', entryPoints: WEB, middlewares: ['berth-retry'],
          },
          'route-shop-example-com-api-14de57d7': {
            rule: 'Host(`shop.example.com`) && (Path(`/api`) || PathPrefix(`/api/`))', priority: 1004,
            service: 'upstream-api-upstream-berth-8080-8ee992e2', entryPoints: WEB, middlewares: ['berth-retry'],
          },
          'route-shop-example-com-547ee750': {
            rule: 'Host(`shop.example.com`)', priority: 1001, service: 'upstream-web-upstream-berth-3000-57a3fc99', entryPoints: WEB, middlewares: ['berth-retry'],
          },
          'route-www-blog-example-org-ebe02c2b': {
            rule: 'Host(`www.blog.example.org`)', priority: 1001, service: 'upstream-web-upstream-berth-3000-57a3fc99', entryPoints: WEB, middlewares: ['berth-retry'],
          },
          'route-blog-example-org-b1515021': {
            rule: 'Host(`blog.example.org`)', priority: 1001, service: 'noop@internal', entryPoints: WEB, middlewares: ['redirect-blog-example-org-b1515021'],
          },
          'route-www-shop-example-com-e7dd587c': {
            rule: 'Host(`www.shop.example.com`)', priority: 1001, service: 'noop@internal', entryPoints: WEB, middlewares: ['redirect-www-shop-example-com-e7dd587c'],
          },
        },
        services: {
          'upstream-control-upstream-berth-3000-2c76d99d': lb('http://control.upstream.berth:3000'),
          'upstream-web-upstream-berth-3000-57a3fc99': lb('http://10.0.10.5:3000', 'http://10.0.10.7:3000'),
          'upstream-api-upstream-berth-9090-53e33e0f': lb('http://api.upstream.berth:9090'),
          'upstream-api-upstream-berth-8080-8ee992e2': lb('http://api.upstream.berth:8080'),
        },
        middlewares: {
          'auth-admin-example-com-e96cd068': { basicAuth: { users: ['ops:$2a$14$uxTRhmWfRKwWBLPEwal9.upsnWbdN4Tv62eYxmFKOZZu/ByramzeG'], realm: 'restricted' } },
          'berth-retry': { retry: { attempts: 3, initialInterval: '100ms' } },
          'redirect-docs-example-com-guide-21e2ee93': { redirectRegex: { regex: ANY_URL, replacement: 'https://guide.example.net/v1${2}', permanent: false } },
          'redirect-old-example-com-59d3d043': { redirectRegex: { regex: ANY_URL, replacement: 'https://shop.example.com${2}', permanent: true } },
          'redirect-blog-example-org-b1515021': { redirectRegex: { regex: ANY_URL, replacement: '${1}://www.blog.example.org${2}', permanent: true } },
          'redirect-www-shop-example-com-e7dd587c': { redirectRegex: { regex: ANY_URL, replacement: '${1}://shop.example.com${2}', permanent: true } },
        },
      },
    });
  });

  it('uses the entry point it is given', () => {
    const config = renderTraefikConfig(planRoutes({ domains: SAMPLE_DOMAINS }), { entryPoint: 'http' });
    assert.ok(Object.values(config.http.routers).every((router) => router.entryPoints.join() === 'http'));
  });

  it('is deterministic: the same domains in any order render the same text', () => {
    const a = traefikHttpProviderResponse(planRoutes({ domains: SAMPLE_DOMAINS }), { addressesOf });
    const b = traefikHttpProviderResponse(planRoutes({ domains: [...SAMPLE_DOMAINS].reverse() }), { addressesOf: (name) => addressesOf(name)?.slice().reverse() });
    assert.equal(a.contentType, 'application/json');
    assert.equal(a.body, b.body);
    assert.deepEqual(JSON.parse(a.body), renderTraefikConfig(planRoutes({ domains: SAMPLE_DOMAINS }), { addressesOf }));
  });
});
