// Deleting leaves nothing behind, against real dockerd + Swarm, Caddy and Berth's DNS (the organisation's
// delete too): a project with a
// deployed app (built image, routed domain, certificate row) and a PostgreSQL database is deleted and
// every Swarm service, volume and network with its labels goes, the route answers 404 through the proxy,
// the DNS answer and the certificate are gone; the generic service DELETE on a database removes its
// Swarm service and volume; a delete while a deploy runs is refused (409, naming the service) and
// removes nothing; the orphan sweep removes labelled leftovers of a deleted service (Swarm service, volume, built image, project network) and leaves an
// unlabelled look-alike, and an object of a service whose row exists, alone.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { testApp, type TestApp } from '../../../test/support/app.ts';
import { waitFor } from '../../../test/support/async.ts';
import { setupOwner, type Client } from '../../../test/support/client.ts';
import { removeNetworkEventually } from '../../../test/support/docker-cleanup.ts';
import { TestRepo } from '../../../test/support/git-repo.ts';
import { freeHostPort } from '../../../test/support/ports.ts';
import { getWithHost } from '../../../test/support/host-request.ts';
import { ContainerGateway } from '../../infra/docker/containers.ts';
import { readRecordsFile } from '../../infra/dns/records-file.ts';
import type { Worker } from '../../jobs/index.ts';
import { projectNetworkName, upstreamName } from '../../plan/app-service.ts';
import { databaseServiceName, databaseVolumeName } from '../../plan/database-service.ts';

const run = randomBytes(3).toString('hex');
const images = JSON.parse(process.env.BERTH_TEST_DATABASE_IMAGES ?? '{}') as Record<string, string>;
const pgImage = images['postgres:15'];
const host = `web-${run}.example.test`;
const proxyName = `bt-${run}-proxy`;
const env = (project: string, e = 'production') => `/api/orgs/acme/projects/${project}/environments/${e}`;

describe('teardown: deleting a project, an environment or a service leaves nothing in Docker, the proxy or DNS', { timeout: 900_000, skip: pgImage ? false : 'no PostgreSQL image (BERTH_TEST_DATABASE_IMAGES)' }, () => {
  let t: TestApp;
  let c: Client;
  let repo: TestRepo;
  let worker: Worker;
  let httpPort: number;
  const raw = new Dockerode({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
  const cleanup: Array<() => Promise<unknown>> = [];

  const get = (hostHeader: string) => getWithHost(httpPort, hostHeader);

  const idOf = async (table: 'services' | 'projects', name: string) =>
    (await t.db.pool.query<{ id: string }>(`SELECT id FROM ${table} WHERE name = $1`, [name])).rows[0]!.id;

  async function createProject(name: string) {
    const res = await c.post('/api/orgs/acme/projects', { name });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return idOf('projects', name);
  }

  async function createApp(project: string, name = 'web') {
    const res = await c.post(`${env(project)}/services`, { name, kind: 'app', spec: { source: { type: 'git', repository: repo.dir, ref: 'main' }, port: 8080, replicas: 1, stopGracePeriodSeconds: 2 } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  }

  async function deploy(project: string, service = 'web') {
    const res = await c.post(`${env(project)}/services/${service}/deployments`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body.id as string;
  }

  async function deploymentEnds(project: string, id: string, service = 'web') {
    return waitFor(`deployment ${id}`, async () => {
      const d = (await c.get(`${env(project)}/services/${service}/deployments/${id}`)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(d.status) ? d : undefined;
    }, 300_000);
  }

  async function createDatabase(project: string, name: string) {
    const res = await c.post(`${env(project)}/databases`, { name, engine: 'postgres', version: '15' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await waitFor(`database ${name} running`, async () => {
      const body = (await c.get(`${env(project)}/databases/${name}`)).body;
      if (body.status === 'failed') assert.fail(`database failed: ${body.lastError}`);
      return body.status === 'running' ? body : undefined;
    }, 180_000);
    return res.body.id as string;
  }

  /** Every Docker object carrying one of these labels (label=value), managed or not. */
  async function objectsLabelled(key: string, value: string) {
    const filters = { label: [`${key}=${value}`] };
    const [services, volumes, networks] = await Promise.all([raw.listServices({ filters }), raw.listVolumes({ filters }), raw.listNetworks({ filters })]);
    return [...services.map((s) => `service ${s.Spec?.Name}`), ...(volumes.Volumes ?? []).map((v) => `volume ${v.Name}`), ...networks.map((n) => `network ${n.Name}`)];
  }

  before(async () => {
    httpPort = await freeHostPort(22000, 23000);
    t = await testApp({
      env: {
        BERTH_PROXY_SERVICE: proxyName,
        BERTH_PROXY_HTTP_PORT: String(httpPort),
        BERTH_PROXY_HTTPS_PORT: String(await freeHostPort(23000, 24000)),
        BERTH_PROXY_IMAGE: process.env.BERTH_PROXY_IMAGE ?? 'berth/caddy:2',
        BERTH_BUILD_CPUS: '1',
        BERTH_BUILD_MEMORY_MB: '512',
        BERTH_DATABASE_IMAGES: JSON.stringify({ 'postgres:15': pgImage }),
      },
    });
    await t.platform.start();
    worker = t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
    await worker.start();
    repo = await TestRepo.create();
    c = await setupOwner(t.api, t.setupToken);
  });

  after(async () => {
    await worker?.stop({ graceMs: 1000 });
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    const docker = t?.ctx.docker;
    if (docker) {
      for (const { id } of (await t.db.pool.query<{ id: string }>('SELECT id FROM services')).rows) {
        for (const s of await docker.listServices({ labels: { 'berth.service': id } })) await docker.removeService(s.name).catch(() => undefined);
        for (const v of await docker.listVolumes({ labels: { 'berth.service': id } })) await delay(0).then(() => docker.removeVolume(v.name)).catch(() => undefined);
        await docker.pruneServiceImages({ serviceId: id, keep: 0 }).catch(() => undefined);
      }
      for (const { id } of (await t.db.pool.query<{ id: string }>('SELECT id FROM projects')).rows) await removeNetworkEventually(docker, projectNetworkName(id)).catch(() => undefined);
      await docker.removeService(proxyName).catch(() => undefined);
    }
    await t?.ctx.teardown.settled();
    repo?.remove();
    await t?.close();
  });

  it('deleting a project removes its app releases, images, database service and volume, network, route, DNS answer and certificate', async () => {
    const projectId = await createProject('shop');
    const webId = await createApp('shop');
    const domain = await c.post(`${env('shop')}/services/web/domains`, { host });
    assert.equal(domain.status, 201, JSON.stringify(domain.body));
    const deployed = await deploymentEnds('shop', await deploy('shop'));
    assert.equal(deployed.status, 'succeeded', deployed.reason);
    const pgId = await createDatabase('shop', 'pg');
    // A certificate row for the routed host, as the issuance job would leave it.
    await t.db.pool.query("INSERT INTO certificates (host, hosts, status) VALUES ($1, ARRAY[$1], 'failed')", [host]);

    assert.equal((await waitFor('the route to answer', async () => ((await get(host)).status === 200 ? true : undefined))), true);
    const before = await objectsLabelled('berth.project', projectId);
    assert.ok(before.some((o) => o.startsWith('service app-')), before.join(', '));
    assert.ok(before.includes(`service ${databaseServiceName(pgId)}`), before.join(', '));
    assert.ok(before.includes(`network ${projectNetworkName(projectId)}`), before.join(', '));
    assert.deepEqual(await objectsLabelled('berth.service', pgId).then((o) => o.filter((x) => x.startsWith('volume'))), [`volume ${databaseVolumeName(pgId)}`]);
    assert.ok((await t.ctx.docker.listServiceImages(webId)).length >= 1, 'the deploy built an image');
    const records = () => readRecordsFile(join(t.dataDir, 'dns', proxyName, 'records.json'));
    assert.ok(records().get(upstreamName(webId))?.length, 'the DNS answers the upstream name');

    const started = performance.now();
    const del = await c.delete('/api/orgs/acme/projects/shop');
    assert.equal(del.status, 200, JSON.stringify(del.body));
    console.log(`# project delete answered in ${Math.round(performance.now() - started)} ms`);
    assert.equal((await c.get('/api/orgs/acme/projects/shop')).status, 404);

    // The route is gone at once (same transaction as the rows), and so is the DNS answer.
    assert.equal((await get(host)).status, 404);
    assert.equal(records().get(upstreamName(webId)), undefined);
    await waitFor('every labelled object of the project to go', async () => {
      const left = [...(await objectsLabelled('berth.project', projectId)), ...(await objectsLabelled('berth.service', webId)), ...(await objectsLabelled('berth.service', pgId))];
      return left.length === 0 ? true : undefined;
    }, 120_000);
    await waitFor('the built images to go', async () => ((await t.ctx.docker.listServiceImages(webId)).length === 0 ? true : undefined), 60_000);
    await t.ctx.teardown.settled();
    console.log(`# project delete finished in Docker after ${Math.round(performance.now() - started)} ms`);
    assert.equal((await t.db.pool.query('SELECT 1 FROM certificates WHERE host = $1', [host])).rowCount, 0, 'the removed host has no certificate');
    assert.equal((await t.db.pool.query('SELECT 1 FROM services WHERE id = ANY($1::uuid[])', [[webId, pgId]])).rowCount, 0);
    assert.equal((await t.db.pool.query('SELECT 1 FROM deleted_resources WHERE id = ANY($1::uuid[])', [[webId, pgId, projectId]])).rowCount, 3);
  });

  it('the generic service DELETE on a database removes its Swarm service and its volume', async () => {
    await createProject('data');
    const pgId = await createDatabase('data', 'pg');
    assert.equal((await objectsLabelled('berth.service', pgId)).length, 2, 'service and volume exist');
    const del = await c.delete(`${env('data')}/services/pg`);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.equal((await c.get(`${env('data')}/databases/pg`)).status, 404);
    await waitFor('the database service and volume to go', async () => ((await objectsLabelled('berth.service', pgId)).length === 0 ? true : undefined), 90_000);
  });

  it('a delete while a deploy runs is refused with 409 naming the service, and removes nothing', async () => {
    const projectId = await createProject('busy');
    const webId = await createApp('busy');
    const deploymentId = await deploy('busy');
    await waitFor('the deploy to run', async () => ((await c.get(`${env('busy')}/services/web/deployments/${deploymentId}`)).body.status === 'running' ? true : undefined), 60_000);
    for (const url of ['/api/orgs/acme/projects/busy', env('busy'), `${env('busy')}/services/web`]) {
      const res = await c.delete(url);
      assert.equal(res.status, 409, `${url}: ${JSON.stringify(res.body)}`);
      assert.match(JSON.stringify(res.body), /service \\"web\\" has a deploy job (queued|running)/);
    }
    assert.equal((await c.get(`${env('busy')}/services/web`)).status, 200);
    assert.equal((await t.db.pool.query('SELECT 1 FROM deleted_resources WHERE id = ANY($1::uuid[])', [[webId, projectId]])).rowCount, 0);
    const ended = await deploymentEnds('busy', deploymentId);
    assert.equal(ended.status, 'succeeded', 'the refused delete did not disturb the deploy');
    assert.ok((await t.ctx.docker.listServices({ labels: { 'berth.service': webId } })).length === 1, 'its release runs');
    // Once its job has ended (the deployment row is written a moment before), the delete goes through.
    await waitFor('the deploy job to end', async () =>
      (await t.db.pool.query("SELECT 1 FROM jobs WHERE service_id = $1 AND state IN ('queued', 'running')", [webId])).rowCount === 0 ? true : undefined,
    );
    assert.equal((await c.delete(`${env('busy')}`)).status, 200);
    await waitFor('the release to go', async () => ((await objectsLabelled('berth.service', webId)).length === 0 ? true : undefined), 60_000);
  });

  it('the orphan sweep removes labelled leftovers of deleted services and projects, never an unlabelled look-alike or a service whose row exists', async () => {
    const goneService = randomUUID();
    const goneProject = randomUUID();
    await t.db.pool.query("INSERT INTO deleted_resources (id, kind) VALUES ($1, 'service'), ($2, 'project')", [goneService, goneProject]);
    // A service that exists — even with a (bogus) tombstone, its objects are never swept.
    await createProject('keep');
    const liveId = await createApp('keep');
    await t.db.pool.query("INSERT INTO deleted_resources (id, kind) VALUES ($1, 'service') ON CONFLICT DO NOTHING", [liveId]);

    const containers = new ContainerGateway({ socketPath: t.ctx.config.BERTH_DOCKER_SOCKET });
    const leftover = `app-${goneService.slice(0, 12)}-${run}`;
    const lookalike = `app-${goneService.slice(0, 12)}-x${run}`;
    const image = (await t.ctx.docker.resolveLocalImage('berth/test-http:latest'))!;
    const serviceSpec = (name: string, labels: Record<string, string>) => ({
      Name: name,
      Labels: labels,
      TaskTemplate: { ContainerSpec: { Image: image, Labels: labels } },
      Mode: { Replicated: { Replicas: 0 } },
    });
    await t.ctx.docker.ensureService(serviceSpec(leftover, { 'berth.service': goneService, 'berth.kind': 'app' }) as never);
    cleanup.push(() => t.ctx.docker.removeService(leftover));
    await raw.createService({ ...serviceSpec(lookalike, { 'berth.service': goneService, 'berth.kind': 'app' }) } as never);
    cleanup.push(() => raw.getService(lookalike).remove());
    await containers.createVolume(`sweep-${run}`, { 'berth.service': goneService });
    cleanup.push(() => containers.removeVolume(`sweep-${run}`));
    await raw.createVolume({ Name: `sweep-x${run}`, Labels: { 'berth.service': goneService } });
    cleanup.push(() => raw.getVolume(`sweep-x${run}`).remove());
    await containers.createVolume(`sweep-live-${run}`, { 'berth.service': liveId });
    cleanup.push(() => containers.removeVolume(`sweep-live-${run}`));
    await t.ctx.docker.ensureNetwork({ name: projectNetworkName(goneProject), attachable: true, labels: { 'berth.project': goneProject } });
    cleanup.push(() => t.ctx.docker.removeNetwork(projectNetworkName(goneProject)));
    await raw.createNetwork({ Name: `berth-x-${run}`, Driver: 'overlay', Attachable: true, Labels: { 'berth.project': goneProject } });
    cleanup.push(() => raw.getNetwork(`berth-x-${run}`).remove());

    // A built image of the deleted service (as the deploy pipeline labels them).
    const ctxDir = mkdtempSync(join(tmpdir(), 'berth-sweep-'));
    writeFileSync(join(ctxDir, 'Dockerfile'), 'FROM berth/debian:bookworm\nLABEL purpose=sweep-test\n');
    await t.ctx.docker.buildImage({ contextDir: ctxDir, tag: `berth/sweep-${run}:1`, labels: { 'berth.service': goneService }, limits: { memoryBytes: 256 * 1024 * 1024, cpuPeriod: 100_000, cpuQuota: 100_000 } });
    // A managed image whose owner is not a service id Berth makes (other tools, or tests sharing the
    // engine): never a candidate, and it must not break the sweep's queries.
    const oddOwner = `svc-${run}`;
    await t.ctx.docker.buildImage({ contextDir: ctxDir, tag: `berth/sweep-odd-${run}:1`, labels: { 'berth.service': oddOwner }, limits: { memoryBytes: 256 * 1024 * 1024, cpuPeriod: 100_000, cpuQuota: 100_000 } });
    cleanup.push(() => t.ctx.docker.pruneServiceImages({ serviceId: oddOwner, keep: 0 }));
    rmSync(ctxDir, { recursive: true, force: true });
    cleanup.push(() => t.ctx.docker.pruneServiceImages({ serviceId: goneService, keep: 0 }));
    assert.equal((await t.ctx.docker.listServiceImages(goneService)).length, 1);

    // The platform's own sweep (the one its repair loop runs): nothing goes before the grace period.
    const now = Date.now();
    assert.deepEqual(await t.platform.orphans.run(now), { services: [], volumes: [], networks: [], images: [] });
    const swept = await t.platform.orphans.run(now + 61_000);
    assert.deepEqual(swept, { services: [leftover], volumes: [`sweep-${run}`], networks: [projectNetworkName(goneProject)], images: [goneService] });

    const names = async () => (await objectsLabelled('berth.service', goneService)).concat(await objectsLabelled('berth.project', goneProject), await objectsLabelled('berth.service', liveId)).sort();
    assert.deepEqual(await names(), [`network berth-x-${run}`, `service ${lookalike}`, `volume sweep-live-${run}`, `volume sweep-x${run}`].sort());
    assert.equal((await c.get(`${env('keep')}/services/web`)).status, 200);
    assert.equal((await t.ctx.docker.listServiceImages(goneService)).length, 0, 'its built image is gone');
    assert.equal((await t.ctx.docker.listServiceImages(oddOwner)).length, 1, 'an image of an unknown owner stays');
  });

  it('deleting the organisation removes every project in it the same way (networks included)', async () => {
    const projectIds = (await t.db.pool.query<{ id: string }>('SELECT id FROM projects ORDER BY name')).rows.map((r) => r.id);
    assert.ok(projectIds.length >= 2, 'projects left from the tests above');
    const busyNetwork = projectNetworkName(await idOf('projects', 'busy'));
    assert.ok((await objectsLabelled('berth.project', await idOf('projects', 'busy'))).includes(`network ${busyNetwork}`), 'the busy project has its network');
    assert.equal((await c.delete('/api/orgs/acme')).status, 200);
    await waitFor('every project network and labelled object to go', async () => {
      const left = (await Promise.all(projectIds.map((id) => objectsLabelled('berth.project', id)))).flat();
      return left.length === 0 ? true : undefined;
    }, 90_000);
    assert.equal((await t.db.pool.query('SELECT 1 FROM deleted_resources WHERE id = ANY($1::uuid[])', [projectIds])).rowCount, projectIds.length);
  });
});
