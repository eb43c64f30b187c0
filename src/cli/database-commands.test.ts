// berth db … in-process against a real API (real database, no job worker: databases stay `creating`,
// which is all the commands need to show): create, list, show, credentials, set-version (refused with
// the field named, then accepted), stop, delete — human output and --json.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner } from '../../test/support/client.ts';
import { berthInProcess, cliLogin } from './test-fixtures/in-process.ts';

describe('berth db', () => {
  let t: TestApp;
  let env: Record<string, string>;

  const berth = (...args: string[]) => berthInProcess([...args, '--org', 'acme'], env);

  before(async () => {
    t = await testApp();
    const owner = await setupOwner(t.api, t.setupToken);
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    env = await cliLogin(t, owner);
  });
  after(() => t.close());

  it('creates, lists, shows and reveals', async () => {
    const created = await berth('db', 'create', 'maindb', '--project', 'shop', '--engine', 'redis', '--memory', '128', '--external-port', '26379');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /maindb: redis 7 — creating/);
    assert.match(created.stdout, /internal: redis:\/\/:\*+@db-[0-9a-f]{12}:6379\/0/);
    assert.match(created.stdout, /note: .*host mode/);

    const listed = await berth('db', 'list', '--project', 'shop', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout);
    assert.deepEqual(rows.map((d: { name: string; engine: string; externalPort: number }) => [d.name, d.engine, d.externalPort]), [['maindb', 'redis', 26379]]);

    const shown = await berth('db', 'show', 'maindb', '--project', 'shop');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /external: redis:\/\/:\*+@.+:26379\/0/);

    // No worker ran, so there is no server to read from: the command says so and fails.
    const logs = await berth('db', 'logs', 'maindb', '--project', 'shop');
    assert.notEqual(logs.code, 0);
    assert.match(logs.stderr, /no server to read from yet \(status: creating\)/);

    const creds = await berth('db', 'credentials', 'maindb', '--project', 'shop', '--json');
    assert.equal(creds.code, 0, creds.stderr);
    const c = JSON.parse(creds.stdout);
    assert.ok(c.password.length >= 32);
    assert.ok(c.internalUrl.includes(c.password));
  });

  it('refuses a version the engine does not have, naming the field, then changes it; stops; deletes', async () => {
    const bad = await berth('db', 'set-version', 'maindb', '5', '--project', 'shop');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /version/);
    const good = await berth('db', 'set-version', 'maindb', '7.2', '--project', 'shop', '--json');
    assert.equal(good.code, 0, good.stderr);
    assert.equal(JSON.parse(good.stdout).version, '7.2');
    const stopped = await berth('db', 'stop', 'maindb', '--project', 'shop', '--json');
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(JSON.parse(stopped.stdout).desiredState, 'stopped');
    const refused = await berth('db', 'delete', 'maindb', '--project', 'shop');
    assert.notEqual(refused.code, 0, 'no confirmation, not interactive');
    const deleted = await berth('db', 'delete', 'maindb', '--project', 'shop', '--yes', '--json');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(JSON.parse(deleted.stdout).status, 'deleting');
    const jobs = (await t.ctx.database.pool.query("SELECT payload->>'action' AS action FROM jobs ORDER BY created_at")).rows.map((r) => r.action);
    assert.deepEqual(jobs, ['create', 'set-version', 'converge', 'delete']);
  });
});
