// Deployments over the API with no worker running, so everything stays queued: a deploy writes a queued
// deployment and its job, queue positions, the organisation's job list, cancel (and a second cancel),
// the log as JSON and as server-sent events, rollback without a target, the service status, and who
// may do what (a member deploys and cancels but adds no domain; another organisation sees nothing).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { ownerMemberOutsider, type Client } from '../../test/support/client.ts';

const ENV = '/api/orgs/acme/projects/shop/environments/production/services';
const WEB = `${ENV}/web`;
const API = `${ENV}/api`;

interface Deployment {
  id: string;
  serviceId: string;
  status: string;
  kind: string;
  trigger: string;
  reason: string | null;
  jobId: string | null;
  position?: number | null;
  finishedAt: string | null;
}

/** Parses a server-sent events body into its events (comments dropped). */
function parseEvents(text: string): { event: string; data: unknown }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const fields = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
      return { event: fields.event ?? 'message', data: JSON.parse(fields.data ?? 'null') };
    });
}

describe('deployments (no worker)', () => {
  let t: TestApp;
  let owner: Client, member: Client, outsider: Client;
  const ids = { web1: '', web2: '', api1: '' };

  const counts = async () => {
    const { rows } = await t.db.pool.query(
      `SELECT (SELECT count(*) FROM jobs)::int AS jobs, (SELECT count(*) FROM deployments)::int AS deployments,
              (SELECT count(*) FROM domains)::int AS domains, (SELECT count(*) FROM jobs WHERE state = 'queued')::int AS queued`,
    );
    return rows[0] as { jobs: number; deployments: number; domains: number; queued: number };
  };
  const position = async (url: string, id: string) => {
    const res = await owner.get(`${url}/deployments/${id}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body as Deployment).position;
  };

  before(async () => {
    t = await testApp();
    ({ owner, member, outsider } = await ownerMemberOutsider(t.api, t.setupToken));
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    const web = await owner.post(ENV, { name: 'web', kind: 'app', spec: { source: { type: 'git', repository: '/srv/repo', ref: 'main' }, port: 8080 } });
    assert.equal(web.status, 201, JSON.stringify(web.body));
    const api = await owner.post(ENV, { name: 'api', kind: 'app', spec: { source: { type: 'image', image: 'nginx:1.27' }, port: 80 } });
    assert.equal(api.status, 201, JSON.stringify(api.body));
  });
  after(() => t.close());

  it('a service never deployed: status "not deployed", no deployments, no jobs', async () => {
    const status = await owner.get(`${WEB}/status`);
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.equal(status.body.state, 'not deployed');
    assert.equal(status.body.latest, null);
    assert.deepEqual((await owner.get(`${WEB}/deployments`)).body, []);
    assert.deepEqual((await owner.get('/api/orgs/acme/jobs')).body, []);
  });

  it('POST …/deployments → 202 with a queued deployment and its queued deploy job', async () => {
    const res = await owner.post(`${WEB}/deployments`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const d = res.body as Deployment;
    assert.equal(d.status, 'queued');
    assert.equal(d.kind, 'deploy');
    assert.equal(d.trigger, 'manual:alice');
    assert.equal(d.reason, null);
    assert.ok(d.jobId);
    ids.web1 = d.id;
    const { rows } = await t.db.pool.query('SELECT type, state, service_id, payload FROM jobs WHERE id = $1', [d.jobId]);
    assert.deepEqual(rows, [{ type: 'deploy', state: 'queued', service_id: d.serviceId, payload: { deploymentId: d.id } }]);
    assert.equal(await position(WEB, d.id), 1);
    assert.deepEqual(await counts(), { jobs: 1, deployments: 1, domains: 0, queued: 1 });
  });

  it('while one is queued the status says deploying', async () => {
    const status = await owner.get(`${WEB}/status`);
    assert.equal(status.body.state, 'deploying');
    assert.equal(status.body.latest.id, ids.web1);
    assert.equal(status.body.current, null);
  });

  it('a second deploy of the same service queues behind the first (position 2)', async () => {
    const res = await owner.post(`${WEB}/deployments`);
    assert.equal(res.status, 202);
    ids.web2 = res.body.id;
    assert.equal(await position(WEB, ids.web2), 2);
    assert.equal(await position(WEB, ids.web1), 1, 'the first stays first');
    const list = await owner.get(`${WEB}/deployments`);
    assert.deepEqual(list.body.map((d: Deployment) => d.id), [ids.web2, ids.web1], 'newest first');
  });

  it('a deploy of another service gets its own place in the queue, behind what was queued before it', async () => {
    const res = await owner.post(`${API}/deployments`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    ids.api1 = res.body.id;
    assert.notEqual(res.body.serviceId, (await owner.get(`${WEB}/deployments/${ids.web1}`)).body.serviceId);
    assert.equal(await position(API, ids.api1), 3, 'claim order across the queue: two jobs were queued before it');
    assert.equal(await position(WEB, ids.web2), 2, 'a later job of another service does not move it');
    // A deployment is only reachable through its own service.
    assert.equal((await owner.get(`${API}/deployments/${ids.web1}`)).status, 404);
  });

  it('GET /api/orgs/:org/jobs lists the deploy jobs, newest first, with their positions', async () => {
    const res = await owner.get('/api/orgs/acme/jobs');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const jobIds = await Promise.all([ids.api1, ids.web2, ids.web1].map(async (id, i) => (await owner.get(`${i ? WEB : API}/deployments/${id}`)).body.jobId));
    assert.deepEqual(
      res.body.map((j: { id: string; type: string; state: string; position: number }) => [j.id, j.type, j.state, j.position]),
      [
        [jobIds[0], 'deploy', 'queued', 3],
        [jobIds[1], 'deploy', 'queued', 2],
        [jobIds[2], 'deploy', 'queued', 1],
      ],
    );
    const one = await owner.get(`/api/orgs/acme/jobs/${jobIds[2]}`);
    assert.equal(one.body.position, 1);
  });

  it("a deployment's log without follow: its status and no lines yet", async () => {
    const res = await owner.get(`${WEB}/deployments/${ids.web1}/logs`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { status: 'queued', lines: [] });
  });

  it('cancelling a queued deployment: cancelled (deployment and job), and the ones behind move up', async () => {
    const res = await owner.post(`${WEB}/deployments/${ids.web1}/cancel`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'cancelled');
    assert.ok(res.body.finishedAt);
    assert.match(res.body.reason, /cancelled/);
    const got = await owner.get(`${WEB}/deployments/${ids.web1}`);
    assert.equal(got.body.status, 'cancelled');
    assert.equal(got.body.position, null, 'no place in the queue any more');
    const job = await owner.get(`/api/orgs/acme/jobs/${got.body.jobId}`);
    assert.equal(job.body.state, 'cancelled');
    assert.equal(job.body.position, null);
    assert.equal(await position(WEB, ids.web2), 1, 'the next deployment of the service is now first');
    assert.equal(await position(API, ids.api1), 2);
    assert.equal((await counts()).queued, 2);
  });

  it('cancelling it again → 409 with a clear message, nothing changes', async () => {
    const before = await counts();
    const res = await owner.post(`${WEB}/deployments/${ids.web1}/cancel`);
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.error, 'conflict');
    assert.match(res.body.message, /already cancelled/);
    assert.deepEqual(await counts(), before);
  });

  it('the log of a finished deployment with follow=true: an event stream that ends with its status, then closes', async () => {
    const res = await t.api.inject({
      method: 'GET',
      url: `${WEB}/deployments/${ids.web1}/logs?follow=true`,
      headers: { cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const events = parseEvents(res.body);
    assert.deepEqual(events.map((e) => e.event), ['end'], res.body);
    assert.deepEqual(events[0]!.data, { status: 'cancelled', reason: 'cancelled before it started' });
    assert.ok(res.body.trimEnd().endsWith('}'), 'nothing after the end event');
  });

  it('rollback with no earlier successful deployment → 409 with a clear message, nothing queued', async () => {
    const before = await counts();
    const res = await owner.post(`${WEB}/rollback`);
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.match(res.body.message, /no earlier successful deployment to roll back to/);
    const named = await owner.post(`${WEB}/rollback`, { to: ids.web1 });
    assert.equal(named.status, 409, 'a cancelled deployment is no rollback target');
    assert.match(named.body.message, /only a deployment that succeeded/);
    assert.deepEqual(await counts(), before);
  });

  it('a member may deploy and cancel (service.deploy) but not add a domain (403)', async () => {
    const deployed = await member.post(`${API}/deployments`);
    assert.equal(deployed.status, 202, JSON.stringify(deployed.body));
    assert.equal(deployed.body.trigger, 'manual:mia');
    assert.equal((await member.get(`${API}/deployments/${deployed.body.id}`)).body.position, 3);
    const cancelled = await member.post(`${API}/deployments/${deployed.body.id}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    const before = await counts();
    const domain = await member.post(`${WEB}/domains`, { host: 'shop.example.com' });
    assert.equal(domain.status, 403, JSON.stringify(domain.body));
    assert.match(domain.body.message, /member.*service\.write/);
    assert.equal((await member.get(`${WEB}/webhook`)).status, 403, 'nor read the webhook secret');
    assert.deepEqual(await counts(), before);
  });

  it('a member of another organisation gets 404 on every one of these, and nothing changes', async () => {
    const before = await counts();
    const audit = (await t.db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n;
    const calls: [string, string, unknown?][] = [
      ['POST', `${WEB}/deployments`, {}],
      ['GET', `${WEB}/deployments`],
      ['GET', `${WEB}/deployments/${ids.web2}`],
      ['POST', `${WEB}/deployments/${ids.web2}/cancel`, {}],
      ['GET', `${WEB}/deployments/${ids.web2}/logs`],
      ['GET', `${WEB}/deployments/${ids.web1}/logs?follow=true`],
      ['POST', `${WEB}/rollback`, {}],
      ['GET', `${WEB}/status`],
      ['GET', '/api/orgs/acme/jobs'],
      ['POST', `${WEB}/domains`, { host: 'shop.example.com' }],
      ['GET', `${WEB}/webhook`],
    ];
    for (const [method, url, body] of calls) {
      const res = await outsider.request(method, url, body);
      assert.equal(res.status, 404, `${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match(res.body.message, /organisation "acme" not found/);
    }
    assert.deepEqual(await counts(), before);
    assert.equal(await position(WEB, ids.web2), 1, 'the queued deployment is untouched');
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n, audit, 'no audited mutation');
    assert.deepEqual((await outsider.get('/api/orgs/other/jobs')).body, [], "and their organisation's job list shows none of these");
  });

  it('once nothing is queued or running any more, the status is no longer "deploying"', async () => {
    assert.equal((await owner.get(`${WEB}/status`)).body.state, 'deploying', 'web2 is still queued');
    assert.equal((await owner.post(`${WEB}/deployments/${ids.web2}/cancel`)).status, 200);
    const status = await owner.get(`${WEB}/status`);
    assert.equal(status.body.state, 'not deployed');
    assert.equal(status.body.latest.status, 'cancelled');
  });

  it(
    'a domain add the ingress cannot apply (ingress not started) writes nothing, so a retry gets the same answer',
    async () => {
      const before = await counts();
      const res = await owner.post(`${WEB}/domains`, { host: 'shop.example.com' });
      if (res.status >= 400) assert.deepEqual(await counts(), before, `${res.status} ${JSON.stringify(res.body)}, yet the domain row was written`);
      const again = await owner.post(`${WEB}/domains`, { host: 'shop.example.com' });
      assert.equal(again.status, res.status, `retry → ${again.status} ${JSON.stringify(again.body)}`);
    },
  );
});
