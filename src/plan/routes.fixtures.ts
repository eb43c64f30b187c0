// Shared fixtures of the route planner and renderer tests: one varied set of domains (unordered on
// purpose) and the exact table it plans to. Test data only; never imported by product code.
import type { DomainInput, RouteTable } from './routes.ts';

export const HASH = '$2a$14$uxTRhmWfRKwWBLPEwal9.upsnWbdN4Tv62eYxmFKOZZu/ByramzeG';
export const web = { name: 'web.upstream.berth', port: 3000 };
export const api = { name: 'api.upstream.berth', port: 8080 };

/** The domains every renderer snapshot uses: unordered on purpose. */
export const SAMPLE_DOMAINS: DomainInput[] = [
  { host: 'shop.example.com', pathPrefix: '/', upstream: web, wwwRedirect: 'www-to-apex' },
  { host: 'shop.example.com', pathPrefix: '/api/', upstream: api },
  { host: 'admin.example.com', upstream: web, basicAuth: { username: 'ops', passwordHash: HASH } },
  { host: 'shop.example.com', pathPrefix: '/api/v2', upstream: { name: 'api.upstream.berth', port: 9090 } },
  { host: 'old.example.com', redirect: { to: 'https://shop.example.com/', permanent: true } },
  { host: 'www.blog.example.org', upstream: web, wwwRedirect: 'apex-to-www' },
  { host: 'docs.example.com', pathPrefix: '/guide', redirect: { to: 'https://guide.example.net/v1', permanent: false } },
];

export const SAMPLE_TABLE: RouteTable = {
  hosts: [
    { host: 'admin.example.com', routes: [{ pathPrefix: '/', action: { kind: 'proxy', upstream: web }, basicAuth: { username: 'ops', passwordHash: HASH } }] },
    { host: 'docs.example.com', routes: [{ pathPrefix: '/guide', action: { kind: 'redirect', to: 'https://guide.example.net/v1', permanent: false } }] },
    { host: 'old.example.com', routes: [{ pathPrefix: '/', action: { kind: 'redirect', to: 'https://shop.example.com', permanent: true } }] },
    {
      host: 'shop.example.com',
      routes: [
        { pathPrefix: '/api/v2', action: { kind: 'proxy', upstream: { name: 'api.upstream.berth', port: 9090 } } },
        { pathPrefix: '/api', action: { kind: 'proxy', upstream: api } },
        { pathPrefix: '/', action: { kind: 'proxy', upstream: web } },
      ],
    },
    { host: 'www.blog.example.org', routes: [{ pathPrefix: '/', action: { kind: 'proxy', upstream: web } }] },
  ],
  hostRedirects: [
    { host: 'blog.example.org', toHost: 'www.blog.example.org' },
    { host: 'www.shop.example.com', toHost: 'shop.example.com' },
  ],
  notFoundFallback: true,
};

