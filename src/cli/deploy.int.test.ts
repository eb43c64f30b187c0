// The deploy-side commands against a real `berth server` with no Docker and the ingress off
// (BERTH_INGRESS=false): a deployment of an image service is queued and then fails at its first Docker
// call, which drives the log stream, the exit codes and every command that reads deployments end to end.
// Domain changes need the ingress, so they are refused with 503, and must leave nothing behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXIT } from './errors.ts';
import { noStack, startCliServer, type CliServer } from './test-fixtures/cli-server.ts';

const SCOPE = ['--project', 'shop'];
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const WEB = '/api/orgs/acme/projects/shop/environments/production/services/web';

describe('berth deploy, logs, status, domains and webhook against a real server without Docker', () => {
  let s: CliServer;
  /** Deployments made by the tests, oldest first. */
  const ids: string[] = [];

  /** Waits until no deployment of web is queued or running (the worker has failed them all). */
  async function settled(): Promise<{ id: string; status: string }[]> {
    for (let i = 0; i < 300; i++) {
      const { body } = await s.api('GET', `${WEB}/deployments`);
      if (!body.some((d: { status: string }) => d.status === 'queued' || d.status === 'running')) return body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('deployments did not finish');
  }

  before(async () => {
    s = await startCliServer({ BERTH_INGRESS: 'false' });
    assert.equal((await s.berth(['project', 'create', 'shop'])).code, 0);
    const created = await s.berth(['service', 'create', 'web', ...SCOPE, '--image', 'nginx:1.27', '--port', '80']);
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await s?.stop();
  });

  it('deploy without --wait (not a terminal) queues a deployment, prints its id and how to follow it, exit 0', async () => {
    const r = await s.berth(['deploy', 'web', ...SCOPE]);
    assert.equal(r.code, 0, r.stderr);
    const id = new RegExp(`^Deployment (${UUID.source}) of web: (queued|running|failed)`).exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    assert.match(r.stdout, new RegExp(`^Follow its log: berth logs web --deployment ${id} -f --project shop$`, 'm'));
    ids.push(id);
  });

  it('deploy --wait streams the log and exits 1 with the reason when the deployment fails (no Docker)', async () => {
    const r = await s.berth(['deploy', 'web', ...SCOPE, '--wait']);
    const both = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    assert.equal(r.code, EXIT.failed, both);
    assert.match(r.stdout, /^==> source$/m, both);
    assert.match(r.stdout, /^==> failed: .+$/m, both);
    // Without Docker the job may fail before the CLI looks at it: then it shows the whole log at once.
    assert.match(r.stderr, /^Deployment [0-9a-f]{8} of web: ((queued|running)[^\n]*\. Following its log; Ctrl-C stops following, not the deployment\.|already finished\. Its log:)$/m, both);
    const failed = /^error: deployment ([0-9a-f]{8}) failed: (.+)$/m.exec(r.stderr);
    assert.ok(failed, both);
    assert.match(failed[2]!, /Docker/, 'the reason says what went wrong');
    noStack(r.stderr);
    const [latest] = (await s.api('GET', `${WEB}/deployments?limit=1`)).body;
    assert.ok(latest.id.startsWith(failed[1]!));
    ids.push(latest.id);
  });

  it('deploy --wait --json prints the failed deployment on stdout and a JSON error on stderr', async () => {
    const r = await s.berth(['deploy', 'web', ...SCOPE, '--wait', '--json']);
    assert.equal(r.code, EXIT.failed, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.status, 'failed');
    assert.ok(d.reason);
    const err = JSON.parse(r.stderr);
    assert.equal(err.error, 'deployment_failed');
    assert.equal(err.message, `deployment ${d.id.slice(0, 8)} failed: ${d.reason}`);
    ids.push(d.id);
  });

  it('deployments lists them newest first: id, status, commit, trigger, age, duration', async () => {
    await settled();
    const json = await s.berth(['deployments', 'web', ...SCOPE, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const list = JSON.parse(json.stdout) as { id: string; status: string; trigger: string }[];
    assert.deepEqual(list.map((d) => d.id), [...ids].reverse());
    assert.ok(list.every((d) => d.status === 'failed' && d.trigger === 'manual:alice'), json.stdout);

    const table = await s.berth(['deployments', 'web', ...SCOPE]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+STATUS\s+COMMIT\s+TRIGGER\s+AGE\s+DURATION$/m);
    for (const id of ids) assert.match(table.stdout, new RegExp(`^${id.slice(0, 8)}\\s+failed\\s+-\\s+manual:alice\\s+(just now|\\d+s ago)\\s+\\d+(ms|s)$`, 'm'));
  });

  it("logs --deployment prints a deployment's lines (by a short id too), and -f ends with the deployment", async () => {
    const id = ids[0]!;
    const r = await s.berth(['logs', 'web', ...SCOPE, '--deployment', id.slice(0, 8)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^==> source\n(.*\n)*==> failed: .+\n$/);
    assert.equal(r.stderr, '');

    const follow = await s.berth(['logs', 'web', ...SCOPE, '--deployment', id, '-f']);
    assert.equal(follow.code, 0, follow.stderr);
    assert.equal(follow.stdout, r.stdout);
    assert.match(follow.stderr, new RegExp(`^\\(deployment ${id.slice(0, 8)} failed: .+\\)\\n$`));

    const json = await s.berth(['logs', 'web', ...SCOPE, '--deployment', id, '--json']);
    const records = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(records[0], { event: 'line', seq: 1, at: records[0].at, line: '==> source' });
    assert.deepEqual(records.at(-1), { event: 'end', status: 'failed' });

    const unknown = await s.berth(['logs', 'web', ...SCOPE, '--deployment', 'ffffffff']);
    assert.equal(unknown.code, EXIT.failed);
    assert.match(unknown.stderr, /^error: no deployment of web has an id starting with "ffffffff"/m);
  });

  it('cancel of a finished deployment says why it cannot (409), exit 1', async () => {
    const r = await s.berth(['cancel', ids[0]!.slice(0, 8), '--service', 'web', ...SCOPE]);
    assert.equal(r.code, EXIT.failed);
    assert.equal(r.stderr, `error: cannot cancel deployment ${ids[0]!.slice(0, 8)} of web: the deployment is already failed\n`);
    const json = await s.berth(['cancel', ids[0]!, '--service', 'web', ...SCOPE, '--json']);
    assert.equal(JSON.parse(json.stderr).status, 409);
  });

  it('status prints the state, replicas and the latest deployment', async () => {
    const r = await s.berth(['status', 'web', ...SCOPE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^web in shop\/production: failed, 0\/1 replicas healthy$/m);
    assert.match(r.stdout, /^Live: {4}nothing deployed yet$/m);
    assert.match(r.stdout, new RegExp(`^Latest: {2}deployment ${ids.at(-1)!.slice(0, 8)} failed (just now|\\d+s ago): .+$`, 'm'));
    const json = JSON.parse((await s.berth(['status', 'web', ...SCOPE, '--json'])).stdout);
    assert.equal(json.state, 'failed');
    assert.deepEqual(json.replicas, { desired: 1, healthy: 0 });
    assert.equal(json.current, null);
  });

  it('runtime logs and rollback say clearly that nothing has been deployed', async () => {
    const logs = await s.berth(['logs', 'web', ...SCOPE, '--tail', '10']);
    assert.equal(logs.code, EXIT.failed);
    assert.match(logs.stderr, /^error: the service has no live release yet: nothing runs to show the output of \(a deployment's own log: berth logs web --deployment <id> --project shop\)$/m);
    const rollback = await s.berth(['rollback', 'web', ...SCOPE, '--wait']);
    assert.equal(rollback.code, EXIT.failed);
    assert.equal(rollback.stderr, 'error: there is no earlier successful deployment to roll back to\n');
  });

  it('domains add is refused with 503 naming the ingress, and leaves no domain behind', async () => {
    const empty = await s.berth(['domains', 'web', ...SCOPE]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, 'web has no domains: add one with `berth domains add web <host> --project shop`.\n');

    const add = await s.berth(['domains', 'add', 'web', 'shop.example.com', '--path', '/api', ...SCOPE]);
    assert.equal(add.code, EXIT.failed);
    assert.match(add.stderr, /^error: .*ingress/m);
    noStack(add.stderr);
    const json = await s.berth(['domains', 'add', 'web', 'shop.example.com', ...SCOPE, '--json']);
    assert.equal(JSON.parse(json.stderr).status, 503);

    const list = await s.berth(['domains', 'list', 'web', ...SCOPE, '--json']);
    assert.deepEqual(JSON.parse(list.stdout), []);
    const { rows } = await s.db.pool.query('SELECT count(*)::int AS n FROM domains');
    assert.equal(rows[0].n, 0);
  });

  it('domains remove finds the domain by host and path; refused with 503 it stays; unknown hosts are named', async () => {
    // The ingress is off, so the only way to have a domain here is to write it.
    await s.db.pool.query(
      `INSERT INTO domains (org_id, service_id, host, path_prefix, port)
       SELECT o.id, s.id, h, p, 80 FROM organizations o, services s, (VALUES ('shop.example.com', '/'), ('shop.example.com', '/api')) AS d(h, p)
       WHERE o.name = 'acme' AND s.name = 'web'`,
    );
    const table = await s.berth(['domains', 'web', ...SCOPE]);
    assert.match(table.stdout, /^HOST\s+PATH\s+PORT\s+TLS\s+ADDED$/m);
    assert.match(table.stdout, /^shop\.example\.com\s+\/api\s+80\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d$/m);

    const ambiguous = await s.berth(['domains', 'remove', 'web', 'shop.example.com', ...SCOPE]);
    assert.equal(ambiguous.code, EXIT.failed);
    assert.match(ambiguous.stderr, /shop\.example\.com routes several paths to web \(\/, \/api\): choose one with --path/);

    const refused = await s.berth(['domains', 'remove', 'web', 'Shop.Example.com', '--path', '/api/', ...SCOPE]);
    assert.equal(refused.code, EXIT.failed);
    assert.match(refused.stderr, /^error: .*ingress/m);
    const after = JSON.parse((await s.berth(['domains', 'web', ...SCOPE, '--json'])).stdout);
    assert.deepEqual(after.map((d: { pathPrefix: string }) => d.pathPrefix), ['/', '/api'], 'a refused removal removes nothing');

    const unknown = await s.berth(['domains', 'rm', 'web', 'other.example.com', ...SCOPE]);
    assert.equal(unknown.code, EXIT.failed);
    assert.equal(unknown.stderr, 'error: web has no domain other.example.com (its domains: shop.example.com, shop.example.com/api)\n');
    await s.db.pool.query('DELETE FROM domains');
  });

  it('domains lists the automatic domain under the base domain and refuses to remove it', async () => {
    assert.equal((await s.berth(['config', 'set', 'domain', 'apps.example.com'])).code, 0);
    try {
      const list = await s.berth(['domains', 'web', ...SCOPE]);
      assert.match(list.stdout, /^web-shop\.apps\.example\.com\s+\/\s+80\s+-\s+automatic \(base domain\)$/m);
      const r = await s.berth(['domains', 'remove', 'web', 'web-shop.apps.example.com', ...SCOPE]);
      assert.equal(r.code, EXIT.failed);
      assert.match(r.stderr, /is web's automatic domain under the base domain: it cannot be removed \(unset the base domain instead: berth config unset domain\)/);
    } finally {
      await s.berth(['config', 'unset', 'domain']);
    }
  });

  it('webhook shows the URL and secret, sets watch paths, and rotates', async () => {
    const r = await s.berth(['webhook', 'web', ...SCOPE]);
    assert.equal(r.code, 0, r.stderr);
    const url = /^URL: +(\S+)$/m.exec(r.stdout)?.[1];
    const secret = /^Secret: +(\S+)$/m.exec(r.stdout)?.[1];
    assert.match(url ?? '', new RegExp(`^${s.url}/api/webhooks/[A-Za-z0-9_-]{16,}$`), r.stdout);
    assert.match(secret ?? '', /^\S{16,}$/);
    assert.match(r.stdout, /^Watch paths: +none \(every push deploys\)$/m);
    assert.match(r.stdout, /^Last delivery: +never$/m);

    const watch = await s.berth(['webhook', 'web', ...SCOPE, '--watch', 'src/**', '--watch', 'Dockerfile', '--json']);
    assert.equal(watch.code, 0, watch.stderr);
    const hook = JSON.parse(watch.stdout);
    assert.deepEqual(hook.watchPaths, ['src/**', 'Dockerfile']);
    assert.equal(hook.url, url);
    assert.equal(hook.url, s.url + hook.path);
    assert.equal(hook.secret, secret);

    const rotated = JSON.parse((await s.berth(['webhook', 'web', ...SCOPE, '--rotate', '--json'])).stdout);
    assert.notEqual(rotated.secret, secret);
    assert.notEqual(rotated.url, url);
    assert.deepEqual(rotated.watchPaths, ['src/**', 'Dockerfile']);
    const cleared = JSON.parse((await s.berth(['webhook', 'web', ...SCOPE, '--clear-watch', '--json'])).stdout);
    assert.deepEqual(cleared.watchPaths, []);
  });
});
