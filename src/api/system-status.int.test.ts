// GET /api/system/status: instance administrators see health, the Swarm's nodes and the queue of every
// organisation with positions in claim order; members get 403, strangers 401.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { Client, ownerMemberOutsider } from '../../test/support/client.ts';

describe('server status', () => {
  let t: TestApp;
  let owner: Client;
  let member: Client;
  before(async () => {
    t = await testApp();
    ({ owner, member } = await ownerMemberOutsider(t.api, t.setupToken));
  });
  after(() => t.close());

  it('refuses strangers (401) and non-administrators (403)', async () => {
    assert.equal((await new Client(t.api).get('/api/system/status')).status, 401);
    const res = await member.get('/api/system/status');
    assert.equal(res.status, 403);
    assert.match(res.body.message, /instance administrator/);
  });

  it('shows the Swarm nodes and the queue with positions across organisations', async () => {
    const orgs = await t.ctx.database.pool.query<{ id: string; name: string }>(`SELECT id, name FROM organizations ORDER BY name`);
    const acme = orgs.rows.find((o) => o.name === 'acme')!;
    const other = orgs.rows.find((o) => o.name === 'other')!;
    // Three queued jobs (two orgs, later run_at last) and one running.
    await t.ctx.database.pool.query(
      `INSERT INTO jobs (type, org_id, state, timeout_seconds, run_at, started_at, locked_by, lease_expires_at, finished_at) VALUES
         ('deploy', $1, 'running', 60, now() - interval '1 minute', now(), 'worker-a', now() + interval '1 minute', NULL),
         ('deploy', $2, 'queued', 60, now() - interval '30 seconds', NULL, NULL, NULL, NULL),
         ('backup', $1, 'queued', 60, now() - interval '20 seconds', NULL, NULL, NULL, NULL),
         ('deploy', $1, 'queued', 60, now() + interval '1 hour', NULL, NULL, NULL, NULL),
         ('deploy', $1, 'succeeded', 60, now() - interval '2 minutes', now(), NULL, NULL, now())`,
      [acme.id, other.id],
    );
    const res = await owner.get('/api/system/status');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.nodes.length >= 1, 'the test bed is a one-node Swarm');
    const leader = res.body.nodes.find((n: { leader: boolean }) => n.leader);
    assert.ok(leader, 'one node leads');
    assert.equal(leader.role, 'manager');
    assert.equal(leader.state, 'ready');
    assert.match(leader.engineVersion, /^\d+\./);
    assert.equal(res.body.nodesError, null);
    assert.equal(res.body.health.database.ok, true);

    assert.equal(res.body.queue.running, 1);
    assert.equal(res.body.queue.queued, 3);
    const jobs = res.body.queue.jobs as { state: string; position: number | null; organization: string; type: string; lockedBy: string | null }[];
    assert.deepEqual(
      jobs.map((j) => [j.state, j.position, j.organization, j.type]),
      [
        ['running', null, 'acme', 'deploy'],
        ['queued', 1, 'other', 'deploy'],
        ['queued', 2, 'acme', 'backup'],
        ['queued', 3, 'acme', 'deploy'],
      ],
      'running first, then the queue in claim order; finished jobs are not listed',
    );
    assert.equal(jobs[0]!.lockedBy, 'worker-a');
  });
});
