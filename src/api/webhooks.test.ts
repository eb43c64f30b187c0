// Push webhooks end to end over the real API: every provider's signature scheme over the exact bytes
// sent, refusals that queue nothing, pushes to another branch acknowledged and ignored, a matching
// push queuing exactly one deploy (row + job, trigger webhook:<provider>), watch paths, rotation, and
// the audit trail of accepted deliveries. No worker runs: queued is as far as a deploy gets here.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner, type Client } from '../../test/support/client.ts';

const SVC = '/api/orgs/acme/projects/shop/environments/production/services';
const HOOK = `${SVC}/web/webhook`;

const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const sha = () => randomBytes(20).toString('hex');

interface ProviderCase {
  name: string;
  /** A push payload of this provider to `branch` touching `files`, serialised exactly as sent. */
  payload(branch: string, commit: string, files: string[]): string;
  /** Headers of a correctly signed delivery. */
  signed(secret: string, body: string): Record<string, string>;
  /** Headers with the event but no signature at all. */
  unsigned: Record<string, string>;
}

// The common push shape of GitHub, Gitea and GitLab (ref, after/checkout_sha, commits with files).
const commonPush = (branch: string, commit: string, files: string[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ref: `refs/heads/${branch}`,
    before: '0'.repeat(40),
    after: commit,
    repository: { full_name: 'acme/web' },
    commits: [{ id: commit, message: 'change', added: [], modified: files, removed: [] }],
    ...extra,
  });

const PROVIDERS: ProviderCase[] = [
  {
    name: 'github',
    payload: (b, c, f) => commonPush(b, c, f, { head_commit: { id: c } }),
    signed: (secret, body) => ({ 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': `sha256=${hmac(secret, body)}` }),
    unsigned: { 'content-type': 'application/json', 'x-github-event': 'push' },
  },
  {
    name: 'gitea',
    payload: (b, c, f) => commonPush(b, c, f),
    signed: (secret, body) => ({ 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-gitea-signature': hmac(secret, body) }),
    unsigned: { 'content-type': 'application/json', 'x-gitea-event': 'push' },
  },
  {
    name: 'gitlab',
    payload: (b, c, f) => commonPush(b, c, f, { object_kind: 'push', checkout_sha: c }),
    signed: (secret) => ({ 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret }),
    unsigned: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook' },
  },
  {
    name: 'bitbucket',
    payload: (b, c) =>
      JSON.stringify({
        actor: { display_name: 'Alice' },
        repository: { full_name: 'acme/web' },
        push: { changes: [{ old: { type: 'branch', name: b, target: { hash: '0'.repeat(40) } }, new: { type: 'branch', name: b, target: { hash: c } } }] },
      }),
    signed: (secret, body) => ({ 'content-type': 'application/json', 'x-event-key': 'repo:push', 'x-hub-signature': `sha256=${hmac(secret, body)}` }),
    unsigned: { 'content-type': 'application/json', 'x-event-key': 'repo:push' },
  },
  {
    name: 'generic',
    payload: (b, c, f) => JSON.stringify({ ref: `refs/heads/${b}`, commit: c, changedFiles: f }),
    signed: (secret, body) => ({ 'content-type': 'application/json', 'x-berth-signature': `sha256=${hmac(secret, body)}` }),
    unsigned: { 'content-type': 'application/json' },
  },
];

describe('push webhooks', () => {
  let t: TestApp;
  let c: Client;
  let hook: { path: string; secret: string; watchPaths: string[]; lastDeliveryAt: string | null };
  let serviceId: string;
  let orgId: string;
  /** Deliveries answered 202 so far: each must have left exactly one audit row. */
  let accepted = 0;
  /** Every URL token this webhook had. */
  const tokens: string[] = [];

  const counts = async () => {
    const { rows } = await t.db.pool.query<{ jobs: number; deployments: number }>(
      'SELECT (SELECT count(*) FROM jobs)::int AS jobs, (SELECT count(*) FROM deployments)::int AS deployments',
    );
    return rows[0]!;
  };
  const deliver = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await t.api.inject({ method: 'POST', url: path, payload: body, headers });
    const parsed = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {};
    if (res.statusCode === 202) accepted++;
    return { status: res.statusCode, body: parsed as { deployed?: boolean; reason?: string; message?: string; deployment?: Record<string, unknown> } };
  };

  /** Asserts the delivery queued exactly one deploy of the service, with the trigger and commit. */
  const assertQueuedOne = async (res: Awaited<ReturnType<typeof deliver>>, before: { jobs: number; deployments: number }, provider: string, commit: string) => {
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.deployed, true, JSON.stringify(res.body));
    const d = res.body.deployment!;
    assert.equal(d.status, 'queued');
    assert.equal(d.kind, 'deploy');
    assert.equal(d.trigger, `webhook:${provider}`);
    assert.equal(d.commitSha, commit);
    assert.equal(d.serviceId, serviceId);
    assert.deepEqual(await counts(), { jobs: before.jobs + 1, deployments: before.deployments + 1 });
    const { rows } = await t.db.pool.query(
      `SELECT d.trigger, d.status, d.commit_sha, j.type, j.state, j.service_id, j.org_id, j.payload
         FROM deployments d JOIN jobs j ON j.id = d.job_id WHERE d.id = $1`,
      [d.id],
    );
    assert.equal(rows.length, 1, 'the deployment row points at its job');
    assert.deepEqual(rows[0], {
      trigger: `webhook:${provider}`,
      status: 'queued',
      commit_sha: commit,
      type: 'deploy',
      state: 'queued',
      service_id: serviceId,
      org_id: orgId,
      payload: { deploymentId: d.id },
    });
    assert.equal(d.jobId, (await t.db.pool.query('SELECT job_id FROM deployments WHERE id = $1', [d.id])).rows[0].job_id);
  };

  before(async () => {
    t = await testApp();
    c = await setupOwner(t.api, t.setupToken);
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    const svc = await c.post(SVC, { name: 'web', kind: 'app', spec: { source: { type: 'git', repository: '/srv/repo', ref: 'main' }, port: 8080 } });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    serviceId = svc.body.id;
    orgId = (await t.db.pool.query("SELECT id FROM organizations WHERE name = 'acme'")).rows[0].id;
    const got = await c.get(HOOK);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    hook = got.body;
    tokens.push(hook.path.split('/').pop()!);
  });
  after(() => t.close());

  it('the webhook is created on first read: a secret path, a signing secret, no watch paths', async () => {
    assert.match(hook.path, /^\/api\/webhooks\/[A-Za-z0-9_-]{16,100}$/);
    assert.ok(hook.secret.length >= 24);
    assert.ok(!hook.path.includes(hook.secret));
    assert.deepEqual(hook.watchPaths, []);
    assert.equal(hook.lastDeliveryAt, null);
    const again = await c.get(HOOK);
    assert.deepEqual(again.body, hook, 'reading it again returns the same webhook');
    assert.equal((await t.db.pool.query('SELECT count(*)::int AS n FROM service_webhooks')).rows[0].n, 1);
  });

  for (const p of PROVIDERS) {
    describe(p.name, () => {
      it('a bad signature → 401 and nothing queued', async () => {
        const before = await counts();
        const body = p.payload('main', sha(), ['src/a.ts']);
        const wrongSecret = await deliver(hook.path, body, p.signed('not-the-secret-' + randomBytes(8).toString('hex'), body));
        assert.equal(wrongSecret.status, 401, JSON.stringify(wrongSecret.body));
        assert.match(wrongSecret.body.message!, new RegExp(`${p.name} signature is missing or does not match`));
        if (p.name !== 'gitlab') {
          // GitLab sends the secret itself, not an HMAC; for the others, the signature covers the bytes.
          const tampered = body.replace('"main"', '"main" ').replace('refs/heads/main', 'refs/heads/main ');
          assert.notEqual(tampered, body);
          const res = await deliver(hook.path, tampered, p.signed(hook.secret, body));
          assert.equal(res.status, 401, 'a signature over other bytes does not verify');
        }
        assert.deepEqual(await counts(), before);
      });

      it('a missing signature → 401 and nothing queued', async () => {
        const before = await counts();
        const res = await deliver(hook.path, p.payload('main', sha(), ['src/a.ts']), p.unsigned);
        assert.equal(res.status, 401, JSON.stringify(res.body));
        assert.deepEqual(await counts(), before);
      });

      it('a signed push to another branch → 202, not deployed, with the reason; nothing queued', async () => {
        const before = await counts();
        const body = p.payload('feature-x', sha(), ['src/a.ts']);
        const res = await deliver(hook.path, body, p.signed(hook.secret, body));
        assert.equal(res.status, 202, JSON.stringify(res.body));
        assert.equal(res.body.deployed, false);
        assert.match(res.body.reason!, /refs\/heads\/feature-x ignored: the service follows main/);
        assert.equal(res.body.deployment, undefined);
        assert.deepEqual(await counts(), before);
      });

      it('a signed push to the followed branch → 202, one deploy queued (row + job) triggered by the provider', async () => {
        const before = await counts();
        const commit = sha();
        const body = p.payload('main', commit, ['src/a.ts']);
        await assertQueuedOne(await deliver(hook.path, body, p.signed(hook.secret, body)), before, p.name, commit);
      });
    });
  }

  it('the delivery time is recorded once a delivery verified', async () => {
    const got = await c.get(HOOK);
    assert.ok(got.body.lastDeliveryAt, 'set by the accepted deliveries');
    assert.equal(got.body.path, hook.path);
  });

  it('a non-push event is acknowledged and ignored', async () => {
    const before = await counts();
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const res = await deliver(hook.path, body, { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${hmac(hook.secret, body)}` });
    assert.equal(res.status, 202);
    assert.equal(res.body.deployed, false);
    assert.match(res.body.reason!, /not a push/);
    assert.deepEqual(await counts(), before);
  });

  it(
    "GitHub's default content type (form-encoded payload=…): the push deploys, or the answer says why not",
    async () => {
      const body = 'payload=' + encodeURIComponent(PROVIDERS[0]!.payload('main', sha(), ['src/a.ts']));
      const res = await deliver(hook.path, body, { ...PROVIDERS[0]!.signed(hook.secret, body), 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(res.status, 202);
      assert.ok(res.body.deployed === true || /content.type|form|json/i.test(res.body.reason ?? ''), `→ ${JSON.stringify(res.body)}`);
    },
  );

  it('an unknown token → 404, a malformed one → 400; nothing queued', async () => {
    const before = await counts();
    const body = PROVIDERS[0]!.payload('main', sha(), []);
    const unknown = await deliver(`/api/webhooks/${randomBytes(24).toString('base64url')}`, body, PROVIDERS[0]!.signed(hook.secret, body));
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    const malformed = await deliver('/api/webhooks/short', body, PROVIDERS[0]!.signed(hook.secret, body));
    assert.equal(malformed.status, 400);
    assert.deepEqual(await counts(), before);
  });

  it('watch paths: a push touching only unwatched files is ignored, one touching a watched file deploys', async () => {
    const set = await c.post(HOOK, { watchPaths: ['src/**'] });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.watchPaths, ['src/**']);
    assert.equal(set.body.path, hook.path, 'setting watch paths does not rotate the URL');
    assert.equal(set.body.secret, hook.secret);

    for (const p of PROVIDERS.filter((x) => x.name !== 'bitbucket')) {
      const before = await counts();
      const docs = p.payload('main', sha(), ['docs/x.md']);
      const ignored = await deliver(hook.path, docs, p.signed(hook.secret, docs));
      assert.equal(ignored.status, 202, `${p.name}: ${JSON.stringify(ignored.body)}`);
      assert.equal(ignored.body.deployed, false, p.name);
      assert.match(ignored.body.reason!, /no changed file matches the watch paths/);
      assert.deepEqual(await counts(), before, `${p.name}: nothing queued`);

      const commit = sha();
      const src = p.payload('main', commit, ['docs/x.md', 'src/a.ts']);
      await assertQueuedOne(await deliver(hook.path, src, p.signed(hook.secret, src)), before, p.name, commit);
    }

    // Bitbucket's push payload lists no files: the push deploys whatever the watch paths say.
    const before = await counts();
    const commit = sha();
    const bb = PROVIDERS.find((x) => x.name === 'bitbucket')!;
    const body = bb.payload('main', commit, ['docs/x.md']);
    await assertQueuedOne(await deliver(hook.path, body, bb.signed(hook.secret, body)), before, 'bitbucket', commit);
  });

  it('rotating the webhook: the old path is 404, the old secret no longer signs, the new pair deploys', async () => {
    const rotated = await c.post(HOOK, { rotate: true });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.notEqual(rotated.body.path, hook.path);
    assert.notEqual(rotated.body.secret, hook.secret);
    assert.deepEqual(rotated.body.watchPaths, ['src/**'], 'watch paths survive a rotation');
    assert.deepEqual((await c.get(HOOK)).body.path, rotated.body.path);

    const before = await counts();
    const github = PROVIDERS[0]!;
    const body = github.payload('main', sha(), ['src/a.ts']);
    const old = await deliver(hook.path, body, github.signed(hook.secret, body));
    assert.equal(old.status, 404, JSON.stringify(old.body));
    const oldSecret = await deliver(rotated.body.path, body, github.signed(hook.secret, body));
    assert.equal(oldSecret.status, 401);
    assert.deepEqual(await counts(), before);

    const commit = sha();
    const fresh = github.payload('main', commit, ['src/a.ts']);
    await assertQueuedOne(await deliver(rotated.body.path, fresh, github.signed(rotated.body.secret, fresh)), before, 'github', commit);
    hook = rotated.body;
    tokens.push(hook.path.split('/').pop()!);
  });

  it('every accepted delivery left an audit row by the webhook actor in the organisation; refused ones none', async () => {
    const { rows } = await t.db.pool.query<{ actor_kind: string; actor_user_id: string | null; org_id: string; action: string; status: number }>(
      "SELECT actor_kind, actor_user_id, org_id, action, status FROM audit_log WHERE action = 'webhook.delivery' ORDER BY id",
    );
    assert.ok(accepted >= 15, `${accepted} deliveries accepted`);
    assert.equal(rows.length, accepted, 'one row per 202, none for the 401s and 404s');
    for (const r of rows) assert.deepEqual(r, { actor_kind: 'webhook', actor_user_id: null, org_id: orgId, action: 'webhook.delivery', status: 202 });
    const byWebhook = await t.db.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE actor_kind = 'webhook'");
    assert.equal(byWebhook.rows[0].n, accepted);
  });

  it(
    'the audit trail does not hold the webhook URL token in clear',
    async () => {
      const { rows } = await t.db.pool.query<{ target: string | null }>("SELECT target FROM audit_log WHERE action = 'webhook.delivery'");
      assert.ok(rows.length > 0);
      for (const token of tokens) for (const r of rows) assert.ok(!(r.target ?? '').includes(token), `audit target holds the token: ${r.target}`);
    },
  );
});
