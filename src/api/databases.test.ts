// The database routes without Docker (no worker runs): input validation names the field and writes
// nothing; create answers with the masked connection strings and warnings; credentials are sealed at
// rest and revealed only by the audited route.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner, type Client } from '../../test/support/client.ts';
import { EXTERNAL_PORT_WARNING, NOT_ZERO_DOWNTIME } from '../core/databases/databases.ts';

const DB = '/api/orgs/acme/projects/shop/environments/production/databases';

describe('database routes', () => {
  let t: TestApp;
  let c: Client;
  const count = async (table: string) => Number((await t.ctx.database.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  before(async () => {
    t = await testApp();
    c = await setupOwner(t.api, t.setupToken);
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
  });
  after(() => t.close());

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'db', engine: 'oracle' }, 'body/engine'],
      [{ name: 'db', engine: 'postgres', version: '9.6' }, 'body/version'],
      [{ name: 'db', engine: 'postgres', externalPort: 80 }, 'body/externalPort'],
      [{ name: 'Bad Name', engine: 'redis' }, 'body/name'],
      [{ name: 'db', engine: 'mysql', user: 'root' }, 'body/user'],
      [{ name: 'db', engine: 'mysql', databaseName: 'x;drop' }, 'body/databaseName'],
      [{ name: 'db', engine: 'redis', resources: { memoryMb: 1 } }, 'body/resources/memoryMb'],
    ];
    for (const [body, path] of cases) {
      const res = await c.post(DB, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(JSON.stringify(res.body).includes(path), `${path} in ${JSON.stringify(res.body)}`);
    }
    const generic = await c.post('/api/orgs/acme/projects/shop/environments/production/services', { name: 'db', kind: 'database', spec: { engine: 'postgres', version: '16' } });
    assert.equal(generic.status, 400, 'the generic services route cannot make a database (no credentials, no job)');
    assert.ok(JSON.stringify(generic.body).includes('body/spec'));
    assert.equal(await count('databases'), 0);
    assert.equal(await count('services'), 0);
    assert.equal(await count('jobs'), 0);
  });

  it('creates with a job, masked connection strings, and warnings (not zero-downtime; external port)', async () => {
    const res = await c.post(DB, { name: 'maindb', engine: 'postgres', externalPort: 25432, resources: { memoryMb: 256 } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.status, 'creating');
    assert.equal(res.body.version, '16');
    assert.match(res.body.internal.url, /^postgres:\/\/app:\*+@db-[0-9a-f]{12}:5432\/maindb$/);
    assert.equal(res.body.internal.alias, 'maindb');
    assert.equal(res.body.external.port, 25432);
    assert.deepEqual(res.body.warnings, [NOT_ZERO_DOWNTIME, EXTERNAL_PORT_WARNING]);
    const jobs = (await t.ctx.database.pool.query('SELECT type, service_id, payload FROM jobs')).rows;
    assert.deepEqual(jobs.map((j) => [j.type, j.service_id, j.payload.action]), [['database', res.body.id, 'create']]);
    assert.equal((await c.post(DB, { name: 'maindb', engine: 'redis' })).status, 409);
    const taken = await c.post(DB, { name: 'second', engine: 'redis', externalPort: 25432 });
    assert.equal(taken.status, 400, 'one host port, one service');
    assert.match(JSON.stringify(taken.body), /body\/externalPort.*already published by service \\"maindb\\"/);
    const app = await c.post('/api/orgs/acme/projects/shop/environments/production/services', { name: 'ssh', kind: 'app', spec: { source: { type: 'image', image: 'nginx:1.27' }, ports: [{ published: 25999, target: 22 }] } });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    const takenByApp = await c.post(DB, { name: 'third', engine: 'redis', externalPort: 25999 });
    assert.equal(takenByApp.status, 400);
    assert.match(JSON.stringify(takenByApp.body), /already published by service \\"ssh\\"/);
    assert.equal((await c.get(DB)).body.length, 1);
  });

  it('a job that died without writing the status (worker killed) shows as failed with its reason', async () => {
    const created = await c.post(DB, { name: 'orphan', engine: 'redis' });
    assert.equal(created.status, 202);
    // What lease recovery does to the job of a worker that stopped responding.
    await t.ctx.database.pool.query("UPDATE jobs SET state = 'failed', last_error = 'worker w-1 stopped responding', finished_at = now() WHERE id = $1", [created.body.lastJobId]);
    const view = (await c.get(`${DB}/orphan`)).body;
    assert.equal(view.status, 'failed');
    assert.equal(view.lastError, 'worker w-1 stopped responding');
    assert.equal((await c.delete(`${DB}/orphan`)).status, 202, 'a failed database can be deleted');
  });

  it('seals the credentials at rest and reveals them through the audited route', async () => {
    const revealed = await c.post(`${DB}/maindb/credentials`);
    assert.equal(revealed.status, 200);
    assert.ok(revealed.body.password.length >= 32);
    assert.ok(revealed.body.internalUrl.includes(encodeURIComponent(revealed.body.password)));
    const row = (await t.ctx.database.pool.query('SELECT * FROM databases')).rows[0];
    assert.ok(!JSON.stringify(row).includes(revealed.body.password), 'no plaintext password in the row');
    assert.match(row.password_sealed, /^v1:/);
    const audit = (await t.ctx.database.pool.query("SELECT action FROM audit_log WHERE action LIKE 'database.%' ORDER BY at")).rows.map((r) => r.action);
    assert.equal(audit.at(-1), 'database.credentials.reveal');
  });

  it('refuses impossible version changes (naming body/version), changes nothing, and queues a set-version job for a good one', async () => {
    for (const [version, why] of [['8', /PostgreSQL versions/], ['17', /major versions differ/], ['15', /downgrades/]] as const) {
      const bad = await c.patch(`${DB}/maindb`, { version });
      assert.equal(bad.status, 400, version);
      assert.ok(JSON.stringify(bad.body).includes('body/version'));
      assert.match(JSON.stringify(bad.body), why);
    }
    assert.equal((await c.get(`${DB}/maindb`)).body.version, '16');
    const generic = await c.patch('/api/orgs/acme/projects/shop/environments/production/services/maindb', { spec: { version: '17' } });
    assert.equal(generic.status, 400, 'nor change one');
    const closed = await c.patch(`${DB}/maindb`, { externalPort: null });
    assert.equal(closed.status, 202, JSON.stringify(closed.body));
    assert.equal(closed.body.external, null);
    assert.deepEqual(closed.body.warnings, [NOT_ZERO_DOWNTIME]);

    const maria = await c.post(DB, { name: 'maria', engine: 'mariadb', version: '10.11' });
    assert.equal(maria.status, 202);
    const good = await c.patch(`${DB}/maria`, { version: '11' });
    assert.equal(good.status, 202, JSON.stringify(good.body));
    assert.equal(good.body.version, '11');
    const last = (await t.ctx.database.pool.query('SELECT payload FROM jobs ORDER BY created_at DESC LIMIT 1')).rows[0].payload;
    assert.deepEqual(last, { serviceId: good.body.id, action: 'set-version', fromVersion: '10.11' });
  });
});
