// The OpenAPI 3.1 document is generated from the same zod schemas that validate requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { Client } from '../../test/support/client.ts';

describe('OpenAPI and health', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  it('serves an OpenAPI 3.1 document covering every declared route', async () => {
    const res = await new Client(t.api).get('/api/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(res.body.paths as Record<string, object>)) {
      for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${path.replace(/\{([a-z]+)\}/g, ':$1')}`);
    }
    for (const r of t.api.berthRoutes) {
      if (r.url === '/api/openapi.json') continue;
      assert.ok(documented.has(`${r.method} ${r.url}`), `${r.method} ${r.url} is documented`);
    }
    const create = res.body.paths['/api/orgs/{org}/projects'].post;
    const name = create.requestBody.content['application/json'].schema.properties.name;
    assert.equal(name.pattern, '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$', 'the same pattern that validates');
  });

  it('serves a browsable docs page', async () => {
    const res = await t.api.inject({ method: 'GET', url: '/api/docs/' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /swagger/i);
  });

  it('health reports the database and the state of Docker, Swarm and the proxy', async () => {
    const res = await new Client(t.api).get('/api/health');
    assert.equal(res.status, 200);
    assert.equal(res.body.database.ok, true);
    assert.match(res.body.database.detail, /PostgreSQL 1[5-9]/);
    assert.equal(res.body.docker.ok, true, JSON.stringify(res.body.docker));
    assert.match(res.body.docker.detail, /Docker \d+/);
    assert.equal(res.body.swarm.ok, true, JSON.stringify(res.body.swarm));
    assert.equal(res.body.proxy.ok, false);
    assert.equal(res.body.status, 'degraded', 'no proxy yet: degraded, not down');
  });
});
