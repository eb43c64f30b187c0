// The dashboard's live feed and status summary over a real socket and a real database: a member receives
// their organisation's job/deployment/status events — a new deployment arrives queued with its queue
// position, then cancelled — and never another organisation's; the environment status lists every
// service's state, replicas and domains in one request. No worker runs: jobs stay queued until cancelled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { ownerMemberOutsider, type Client } from '../../test/support/client.ts';
import { setTimeout as delay } from 'node:timers/promises';

/** Polls a synchronous condition (events arrive on their own) every 50 ms. */
async function until(what: string, condition: () => unknown, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await delay(50);
  }
}

interface Received {
  event: string;
  data: Record<string, unknown>;
}

/** Opens the SSE stream with an API key and collects parsed events until `close()`. */
async function follow(base: string, path: string, key: string) {
  const abort = new AbortController();
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
  const events: Received[] = [];
  const done = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return { status: res.status, events, close: async () => (abort.abort(), await done) };
}

describe('live events and environment status', () => {
  let t: TestApp;
  let owner: Client, member: Client, outsider: Client;
  let base: string;
  const keys: Record<string, string> = {};
  const ACME = '/api/orgs/acme/projects/shop/environments/production';
  const OTHER = '/api/orgs/other/projects/theirs/environments/production';

  before(async () => {
    t = await testApp();
    ({ owner, member, outsider } = await ownerMemberOutsider(t.api, t.setupToken));
    await t.api.listen({ port: 0, host: '127.0.0.1' });
    const address = t.api.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    for (const [name, c] of Object.entries({ member, outsider })) keys[name] = (await c.post('/api/me/api-keys', { name: 'events' })).body.key as string;
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    assert.equal((await outsider.post('/api/orgs/other/projects', { name: 'theirs' })).status, 201);
    for (const name of ['web', 'worker', 'api']) {
      const spec = { source: { type: 'image', image: 'berth/test-http:latest' }, ...(name === 'worker' ? { replicas: 3 } : { port: 8080 }) };
      assert.equal((await owner.post(`${ACME}/services`, { name, kind: 'app', spec })).status, 201);
    }
    assert.equal((await outsider.post(`${OTHER}/services`, { name: 'web', kind: 'app', spec: { source: { type: 'image', image: 'berth/test-http:latest' }, port: 8080 } })).status, 201);
  });
  after(async () => t?.close());

  it('a member receives a new deployment of their organisation (queued, with its position, then cancelled), and nothing of another organisation', async () => {
    const mine = await follow(base, '/api/orgs/acme/events', keys.member!);
    const theirs = await follow(base, '/api/orgs/other/events', keys.outsider!);
    try {
      assert.equal(mine.status, 200);
      await until('both streams ready', () => mine.events.some((e) => e.event === 'ready') && theirs.events.some((e) => e.event === 'ready'));

      const other = await outsider.post(`${OTHER}/services/web/deployments`);
      assert.equal(other.status, 202);
      const first = await owner.post(`${ACME}/services/web/deployments`);
      const second = await owner.post(`${ACME}/services/api/deployments`);
      assert.equal(second.status, 202);

      const deploymentEvent = (list: Received[], id: string, status: string) => list.find((e) => e.event === 'deployment' && e.data.id === id && e.data.status === status);
      await until('the queued deployment', () => deploymentEvent(mine.events, second.body.id as string, 'queued'));
      const queued = deploymentEvent(mine.events, second.body.id as string, 'queued')!;
      assert.deepEqual(queued.data.service, { id: second.body.serviceId, name: 'api', project: 'shop', environment: 'production' });
      assert.equal(typeof queued.data.position, 'number', 'a queued deployment carries its queue position');
      assert.ok((queued.data.position as number) >= 1);
      await until('web deploying', () => mine.events.some((e) => e.event === 'status' && (e.data.service as { name: string }).name === 'web' && e.data.state === 'deploying'));

      assert.equal((await owner.post(`${ACME}/services/web/deployments/${first.body.id}/cancel`)).status, 200);
      await until('the cancelled deployment', () => deploymentEvent(mine.events, first.body.id as string, 'cancelled'));
      await until('the cancelled job', () => mine.events.some((e) => e.event === 'job' && e.data.jobId === first.body.jobId && e.data.state === 'cancelled'));
      await until("the other organisation's deployment", () => deploymentEvent(theirs.events, other.body.id as string, 'queued'));

      const serviceIdsSeen = (list: Received[]) =>
        new Set(list.flatMap((e) => [e.data.serviceId, (e.data.service as { id?: string } | undefined)?.id, e.event === 'status' ? e.data.id : undefined]).filter(Boolean));
      assert.ok(!serviceIdsSeen(mine.events).has(other.body.serviceId), 'acme never sees the other organisation');
      assert.ok(!serviceIdsSeen(theirs.events).has(first.body.serviceId), 'the other organisation never sees acme');
      assert.ok(!serviceIdsSeen(theirs.events).has(second.body.serviceId));
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  it('the stream refuses strangers and members of other organisations like every org route', async () => {
    assert.equal((await fetch(`${base}/api/orgs/acme/events`)).status, 401);
    const res = await fetch(`${base}/api/orgs/acme/events`, { headers: { authorization: `Bearer ${keys.outsider}` } });
    assert.equal(res.status, 404);
  });

  it('the environment status answers every service in one request: state, replicas, live version and domains', async () => {
    assert.equal((await owner.patch('/api/settings', { domain: 'apps.example.test' })).status, 200);
    // Written as the API would (it refuses domain changes while the ingress is off, as it is here).
    await t.db.pool.query("INSERT INTO domains (org_id, service_id, host, path_prefix, port) SELECT p.org_id, s.id, 'www.example.test', '/', 8080 FROM services s JOIN environments e ON e.id = s.environment_id JOIN projects p ON p.id = e.project_id WHERE p.name = 'shop' AND s.name = 'web'");
    const res = await member.get(`${ACME}/status`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const byName = Object.fromEntries((res.body as { name: string }[]).map((s) => [s.name, s])) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(byName).sort(), ['api', 'web', 'worker']);
    assert.equal(byName.api!.state, 'deploying', 'its deployment is still queued');
    assert.equal(byName.web!.state, 'not deployed', 'its only deployment was cancelled');
    assert.equal(byName.worker!.state, 'not deployed');
    assert.deepEqual(byName.worker!.replicas, { desired: 3, healthy: 0 });
    assert.deepEqual(byName.web!.domains, ['web-shop.apps.example.test', 'www.example.test']);
    assert.deepEqual(byName.worker!.domains, [], 'no port, no automatic domain');
    assert.equal((byName.web!.latest as { status: string }).status, 'cancelled');
    assert.equal(byName.web!.current, null);
    assert.equal((await outsider.get(`${ACME}/status`)).status, 404);
  });
});
