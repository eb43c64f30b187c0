// berth destination / backup / restore in-process against a real API and the test bed's s3rver (no job
// worker: backups stay queued, which is all the commands need to show): the secret key from the
// environment only, a wrong key refused naming the field, listing without secrets, a volume backup
// queued and shown, schedules (bad cron named, added, listed, removed), restore refusing to run
// without confirmation, and a destination in use refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner } from '../../test/support/client.ts';
import { testBucket, type TestBucket } from '../../test/support/s3.ts';
import { ContainerGateway } from '../infra/docker/containers.ts';
import { berthInProcess, cliLogin } from './test-fixtures/in-process.ts';

describe('berth destination / backup / restore', { timeout: 120_000 }, () => {
  let t: TestApp;
  let bucket: TestBucket;
  let env: Record<string, string>;
  const containers = new ContainerGateway({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  const volume = `berth-cli-test-${randomBytes(3).toString('hex')}`;

  const berth = (extraEnv: Record<string, string>, ...args: string[]) => berthInProcess([...args, '--org', 'acme'], { ...env, ...extraEnv });

  before(async () => {
    t = await testApp();
    bucket = await testBucket();
    const owner = await setupOwner(t.api, t.setupToken);
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    const svc = await owner.post('/api/orgs/acme/projects/shop/environments/production/services', { name: 'files', kind: 'app', spec: { source: { type: 'archive' }, port: 8080 } });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    await containers.createVolume(volume, { 'berth.service': svc.body.id, 'berth.test': 'cli-backups' });
    env = await cliLogin(t, owner);
  });
  after(async () => {
    await containers.removeVolume(volume).catch(() => undefined);
    await bucket.drop();
    await t.close();
  });

  it('adds a destination with the secret from the environment only; refuses a wrong key naming the field', async () => {
    const loc = bucket.location();
    const args = ['destination', 'add', 'offsite', '--endpoint', loc.endpoint!, '--bucket', loc.bucket, '--path-style', '--prefix', 'cli', '--access-key-id'];
    const noSecret = await berth({}, ...args, loc.accessKeyId);
    assert.notEqual(noSecret.code, 0);
    assert.match(noSecret.stderr, /BERTH_S3_SECRET_ACCESS_KEY/);
    const wrong = await berth({ BERTH_S3_SECRET_ACCESS_KEY: loc.secretAccessKey }, ...args, 'NOT-A-KEY');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /accessKeyId/);
    const added = await berth({ BERTH_S3_SECRET_ACCESS_KEY: loc.secretAccessKey }, ...args, loc.accessKeyId);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added destination offsite: .* bucket berth-test-/);
    const listed = await berth({}, 'destination', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((d: { name: string; prefix: string }) => [d.name, d.prefix]), [['offsite', 'cli/']]);
    assert.ok(!listed.stdout.includes(loc.secretAccessKey));
    const tested = await berth({}, 'destination', 'test', 'offsite');
    assert.equal(tested.code, 0, tested.stderr);
    assert.match(tested.stdout, /offsite: OK/);
  });

  it('queues a volume backup and shows it; a restore needs confirmation', async () => {
    const run = await berth({}, 'backup', 'run', 'files', '--volume', volume, '--destination', 'offsite', '--project', 'shop', '--json');
    assert.equal(run.code, 0, run.stderr);
    const queued = JSON.parse(run.stdout);
    assert.equal(queued.status, 'queued');
    const listed = await berth({}, 'backup', 'list', 'files', '--project', 'shop');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${queued.id}.*volume ${volume}.*manual.*queued`));
    const shown = await berth({}, 'backup', 'show', 'files', queued.id, '--project', 'shop');
    assert.match(shown.stdout, /verification: pending/);
    const restore = await berth({}, 'restore', 'files', queued.id, '--project', 'shop');
    assert.notEqual(restore.code, 0);
    assert.match(restore.stderr, /without confirmation: pass --yes/);
    const notVerified = await berth({}, 'restore', 'files', queued.id, '--project', 'shop', '--yes');
    assert.notEqual(notVerified.code, 0);
    assert.match(notVerified.stderr, /only a verified backup can be restored/);
  });

  it('schedules: a bad cron named, then added, listed and removed', async () => {
    const bad = await berth({}, 'backup', 'schedule', 'add', 'files', '--volume', volume, '--destination', 'offsite', '--cron', '0 3 * *', '--project', 'shop');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /cron/);
    const added = await berth({}, 'backup', 'schedule', 'add', 'files', '--volume', volume, '--destination', 'offsite', '--cron', '@daily', '--keep', '7', '--project', 'shop', '--json');
    assert.equal(added.code, 0, added.stderr);
    const s = JSON.parse(added.stdout);
    assert.equal(s.keepCount, 7);
    const listed = await berth({}, 'backup', 'schedule', 'list', 'files', '--project', 'shop');
    assert.match(listed.stdout, /@daily/);
    const removed = await berth({}, 'backup', 'schedule', 'remove', 'files', s.id, '--project', 'shop');
    assert.equal(removed.code, 0, removed.stderr);
  });

  it('a destination that holds backups cannot be removed', async () => {
    const res = await berth({}, 'destination', 'remove', 'offsite', '--yes');
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /still holds backups/);
  });
});
