// Uploading a source archive over the API, no worker and no Docker: only services deployed from an
// archive accept one (409 otherwise); an upload over BERTH_MAX_UPLOAD_MB is refused with 413 and leaves
// no file and no deployment; a good one is written 0600 under the data directory and queues a deployment
// and its job like any deploy; another organisation sees nothing (404).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner, userClient, type Client } from '../../test/support/client.ts';
import { craftedTarGz } from '../../test/support/tar.ts';

const ENV = '/api/orgs/acme/projects/shop/environments/production/services';

/** A one-file tar, gzipped (the API does not look inside: the pipeline does). */
const tarGz = (name: string, body: string): Buffer => craftedTarGz([{ name, body }]);

describe('archive uploads (no worker)', () => {
  let t: TestApp;
  let owner: Client, outsider: Client;
  const ids = { site: '' };

  const upload = (c: Client, service: string, body: Buffer, contentType = 'application/gzip') =>
    c.request('POST', `${ENV}/${service}/archive`, body, { 'content-type': contentType });
  const deploymentCount = async () => (await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM deployments')).rows[0]!.n;
  const archivesOf = (serviceId: string) => {
    const dir = join(t.dataDir, 'archives', serviceId);
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  before(async () => {
    t = await testApp({ env: { BERTH_MAX_UPLOAD_MB: '1' } });
    owner = await setupOwner(t.api, t.setupToken);
    outsider = await userClient(t.api, owner, 'olga');
    assert.equal((await outsider.post('/api/orgs', { name: 'other' })).status, 201);
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    const web = await owner.post(ENV, { name: 'web', kind: 'app', spec: { source: { type: 'git', repository: '/srv/repo', ref: 'main' }, port: 8080 } });
    assert.equal(web.status, 201, JSON.stringify(web.body));
    const site = await owner.post(ENV, { name: 'site', kind: 'app', spec: { source: { type: 'archive' }, port: 8080 } });
    assert.equal(site.status, 201, JSON.stringify(site.body));
    ids.site = site.body.id;
  });
  after(() => t.close());

  it('a service deployed from git refuses an upload: 409 naming the source, nothing queued', async () => {
    const res = await upload(owner, 'web', tarGz('index.html', 'hi'));
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.match(res.body.message, /git repository, not an uploaded archive/);
    assert.equal(await deploymentCount(), 0);
  });

  it('an upload over BERTH_MAX_UPLOAD_MB → 413 with the limit named; no file, no deployment', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 7);
    const res = await upload(owner, 'site', big, 'application/octet-stream');
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.match(res.body.message, /larger than the upload limit of 1 MB \(BERTH_MAX_UPLOAD_MB\)/);
    assert.deepEqual(archivesOf(ids.site), []);
    assert.equal(await deploymentCount(), 0);
  });

  it('an oversized body streamed without a content-length is cut at the limit: 413, nothing kept', async () => {
    const chunks = function* () {
      for (let i = 0; i < 20; i++) yield Buffer.alloc(64 * 1024, i);
    };
    const { Readable } = await import('node:stream');
    const res = await t.api.inject({
      method: 'POST',
      url: `${ENV}/site/archive`,
      payload: Readable.from(chunks()),
      headers: { 'content-type': 'application/x-tar', cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': owner.csrf! },
    });
    assert.equal(res.statusCode, 413, res.body);
    assert.deepEqual(archivesOf(ids.site), []);
    assert.equal(await deploymentCount(), 0);
  });

  it('a body of another content type is refused (415)', async () => {
    const res = await upload(owner, 'site', tarGz('a', 'b'), 'application/zip');
    assert.equal(res.status, 415, JSON.stringify(res.body));
    assert.equal(await deploymentCount(), 0);
  });

  it('a good upload → 202 with a queued deployment and its job; the archive is written 0600', async () => {
    const archive = tarGz('index.html', '<h1>hello</h1>');
    const res = await upload(owner, 'site', archive);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.status, 'queued');
    assert.equal(res.body.serviceId, ids.site);
    assert.equal(res.body.kind, 'deploy');
    assert.equal(res.body.trigger, 'upload:alice');
    assert.ok(res.body.jobId);
    assert.equal(res.body.archivePath, undefined, 'the server path is not shown');
    const file = join(t.dataDir, 'archives', ids.site, `${res.body.id}.tar.gz`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readFileSync(file), archive);
    const { rows } = await t.db.pool.query('SELECT d.archive_path, j.state, j.type FROM deployments d JOIN jobs j ON j.id = d.job_id WHERE d.id = $1', [res.body.id]);
    assert.deepEqual(rows, [{ archive_path: file, state: 'queued', type: 'deploy' }]);
    const listed = await owner.get(`${ENV}/site/deployments`);
    assert.deepEqual(listed.body.map((d: { id: string }) => d.id), [res.body.id]);
    // The same shape as POST …/deployments answers.
    const plain = await owner.get(`${ENV}/site/deployments/${res.body.id}`);
    assert.deepEqual(Object.keys(res.body).sort(), Object.keys(plain.body).filter((k) => k !== 'position').sort());
  });

  it('a member of another organisation gets 404 and writes nothing', async () => {
    const before = archivesOf(ids.site).length;
    const count = await deploymentCount();
    const res = await upload(outsider, 'site', tarGz('x', 'y'));
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(archivesOf(ids.site).length, before);
    assert.equal(await deploymentCount(), count);
  });
});
