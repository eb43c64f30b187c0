// The contract every database engine with an image on this machine passes, against real Docker:
// create through the API → healthy → an app container of the same project connects with the engine's
// own client and writes data → a container of another project cannot connect (by name or address) →
// dump → drop the data → restore → the verification report (counts and checksums) is equal again.
// An engine without an image here is skipped with the reason. Used by engines.int.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { testApp, type TestApp } from '../../../test/support/app.ts';
import { setupOwner, type Client } from '../../../test/support/client.ts';
import { removeNetworkEventually } from '../../../test/support/docker-cleanup.ts';
import { ContainerGateway } from '../../infra/docker/containers.ts';
import type { Worker } from '../../jobs/index.ts';
import { projectNetworkName, projectSubnet } from '../../plan/app-service.ts';
import type { DatabaseCredentials, DatabaseEngineId, VerificationReport } from './engine.ts';
import { ENGINES, imageFor, restoreSteps } from './engines.ts';
import type { DatabaseHandle } from './job.ts';

export interface EngineFixture {
  /** Statements/commands the app container sends on the client's stdin to write data. */
  write: string;
  /** Sent afterwards to lose data (the restore must bring it back). */
  drop: string;
  /** Sent to read one value back; its output must contain `expect`. */
  read: string;
  expect: string;
}

const imageMap = (): Record<string, string> => JSON.parse(process.env.BERTH_TEST_DATABASE_IMAGES ?? '{}') as Record<string, string>;

/** The version whose image is available here (through BERTH_TEST_DATABASE_IMAGES), or undefined. */
export function testedVersion(engineId: DatabaseEngineId): string | undefined {
  const engine = ENGINES[engineId];
  const map = imageMap();
  return Object.keys(engine.versions).find((v) => map[engine.versions[v]!] !== undefined || map[`${engineId}:${v}`] !== undefined);
}

export function databaseContract(engineId: DatabaseEngineId, fixture: EngineFixture): void {
  const engine = ENGINES[engineId];
  const version = testedVersion(engineId);
  const skip = version ? false : `no ${engine.label} image on this machine (no registry; BERTH_TEST_DATABASE_IMAGES maps none of ${Object.values(engine.versions).join(', ')}); the planner snapshot covers it`;
  const run = randomBytes(3).toString('hex');
  const DB = `/api/orgs/acme/projects/shop-${run}/environments/production/databases`;

  describe(`${engine.label} database service contract`, { timeout: 600_000, skip }, () => {
    let t: TestApp;
    let c: Client;
    let worker: Worker;
    let containers: ContainerGateway;
    let handle: DatabaseHandle;
    let creds: DatabaseCredentials;
    let appContainer: string;
    let strangerContainer: string;
    const helperServices: string[] = [];
    const projectIds: string[] = [];

    /** A long-running container of `image` on a project's network (the "app"), as a Swarm service. */
    async function helperContainer(name: string, projectId: string): Promise<string> {
      const net = projectNetworkName(projectId);
      if (!(await t.ctx.docker.networkGateway(net))) {
        await t.ctx.docker.ensureNetwork({ name: net, attachable: true, labels: { 'berth.project': projectId }, subnet: projectSubnet(projectId) });
      }
      await t.ctx.docker.ensureService({
        Name: name,
        Labels: { 'berth.test': 'database-contract', 'berth.project': projectId },
        TaskTemplate: {
          ContainerSpec: { Image: handle.image, Command: ['sleep', 'infinity'] },
          RestartPolicy: { Condition: 'none' },
          Networks: [{ Target: net }],
        },
        Mode: { Replicated: { Replicas: 1 } },
        EndpointSpec: { Mode: 'dnsrr' },
      });
      helperServices.push(name);
      for (let i = 0; i < 300; i++) {
        const task = (await t.ctx.docker.serviceTasks(name)).find((x) => x.state === 'running' && x.containerId);
        if (task?.containerId) return task.containerId;
        await delay(200);
      }
      throw new Error(`${name} did not start`);
    }

    /** Runs the engine's client in `container` against host:port with `input` on stdin. */
    async function client(container: string, host: string, input: string, timeoutMs = 30_000) {
      const cmd = engine.client!(creds, host, engine.port);
      const signal = AbortSignal.timeout(timeoutMs);
      return containers.execWithInput(container, { argv: cmd.argv, env: cmd.env, stdin: Readable.from([Buffer.from(input)]), signal }).catch((err: unknown) => ({
        exitCode: -1,
        stdout: '',
        stderr: `client did not finish: ${String(err)}`,
      }));
    }

    async function verify(): Promise<VerificationReport> {
      const id = await handle.runningContainerId();
      const out = await containers.exec(id, { argv: engine.verify(creds), env: engine.execEnv(creds) });
      assert.equal(out.exitCode, 0, out.stderr);
      return engine.parseVerification(out.stdout);
    }

    async function waitForStatus(name: string, want: string, timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await c.get(`${DB}/${name}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        if (res.body.status === want) return res.body;
        if (res.body.status === 'failed') assert.fail(`database failed: ${res.body.lastError}`);
        if (Date.now() > deadline) assert.fail(`database still ${res.body.status} after ${timeoutMs} ms`);
        await delay(500);
      }
    }

    before(async () => {
      t = await testApp({ env: { BERTH_DATABASE_IMAGES: JSON.stringify(imageMap()) } });
      containers = new ContainerGateway({ socketPath: t.ctx.config.BERTH_DOCKER_SOCKET });
      worker = t.queue.createWorker({ concurrency: 2, leaseSeconds: 10 });
      await worker.start();
      c = await setupOwner(t.api, t.setupToken);
      for (const p of [`shop-${run}`, `other-${run}`]) assert.equal((await c.post('/api/orgs/acme/projects', { name: p })).status, 201);
      for (const { id } of (await t.ctx.database.pool.query<{ id: string }>('SELECT id FROM projects ORDER BY name DESC')).rows) projectIds.push(id);
    });

    after(async () => {
      for (const name of helperServices) await t.ctx.docker.removeService(name).catch(() => undefined);
      if (handle) {
        await t.ctx.docker.removeService(handle.swarmService).catch(() => undefined);
        for (let i = 0; i < 120; i++) {
          if ((await containers.removeVolume(handle.volume).catch(() => 'busy')) !== 'busy') break;
          await delay(250);
        }
      }
      for (const id of projectIds) await removeNetworkEventually(t.ctx.docker, projectNetworkName(id)).catch(() => undefined);
      await worker?.stop();
      await t?.close();
    });

    it('is created through the API and becomes healthy on the project network only', async () => {
      const started = Date.now();
      const res = await c.post(DB, { name: 'maindb', engine: engineId, version });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.status, 'creating');
      assert.equal(res.body.external, null);
      assert.ok(!JSON.stringify(res.body).includes('"password"'));
      const view = await waitForStatus('maindb', 'running');
      assert.deepEqual(view.replicas, { running: 1, desired: 1 });
      const logs = await c.get(`${DB}/maindb/logs?tail=50`);
      assert.equal(logs.status, 200);
      assert.match(String(logs.body), /event: line\n/);
      assert.match(String(logs.body), /event: end\n/);
      console.log(`# ${engine.label} ${version}: created and healthy in ${Date.now() - started} ms`);
      handle = await t.ctx.databaseRuntime.open(view.id);
      assert.equal(handle.image, imageFor(engine, version!, imageMap()));
      const revealed = await c.post(`${DB}/maindb/credentials`);
      assert.equal(revealed.status, 200);
      creds = { user: revealed.body.user, password: revealed.body.password, database: revealed.body.database };
      assert.ok(revealed.body.password.length >= 24);
      assert.ok(revealed.body.internalUrl.includes(revealed.body.password));
      const networks = (await t.ctx.docker.serviceTasks(handle.swarmService))[0]!.addresses.map((a) => a.networkName);
      assert.deepEqual(networks, [projectNetworkName(handle.projectId)]);
    });

    it('an app container of the same project connects with the engine client and writes data', async () => {
      appContainer = await helperContainer(`dbc-app-${run}-${engineId}`.slice(0, 63), handle.projectId);
      const written = await client(appContainer, handle.swarmService, fixture.write);
      assert.equal(written.exitCode, 0, written.stderr);
      const byAlias = await client(appContainer, 'maindb', fixture.read);
      assert.equal(byAlias.exitCode, 0, byAlias.stderr);
      assert.ok(byAlias.stdout.includes(fixture.expect), `read back ${JSON.stringify(byAlias.stdout)}`);
    });

    it('a container of another project cannot connect, by name or by address', async () => {
      const other = projectIds.find((id) => id !== handle.projectId)!;
      strangerContainer = await helperContainer(`dbc-out-${run}-${engineId}`.slice(0, 63), other);
      // Some clients (redis-cli) exit 0 when they cannot connect: what counts is that no data came back.
      const reached = (out: { exitCode: number; stdout: string }) => out.exitCode === 0 && out.stdout.includes(fixture.expect);
      const byName = await client(strangerContainer, handle.swarmService, fixture.read, 20_000);
      assert.ok(!reached(byName), `reached the database by name: ${byName.stdout}`);
      const ip = (await t.ctx.docker.serviceTasks(handle.swarmService))[0]!.addresses[0]!.ip;
      const byIp = await client(strangerContainer, ip, fixture.read, 20_000);
      assert.ok(!reached(byIp), `reached the database at ${ip}: ${byIp.stdout}`);
    });

    it('dump → drop → restore gives back the same contents (counts and checksums)', async () => {
      const before = await verify();
      assert.ok(before.objects.length > 0 && before.objects.every((o) => o.count > 0 && o.checksum), JSON.stringify(before));
      const id = await handle.runningContainerId();
      const t0 = Date.now();
      const { stdout, done } = await containers.execStream(id, { argv: engine.dump(creds), env: engine.execEnv(creds) });
      const chunks: Buffer[] = [];
      for await (const chunk of stdout) chunks.push(chunk as Buffer);
      const dumped = await done;
      assert.equal(dumped.exitCode, 0, dumped.stderr);
      const dump = Buffer.concat(chunks);
      assert.ok(dump.length > 0);
      const dumpMs = Date.now() - t0;

      const dropped = await client(appContainer, handle.swarmService, fixture.drop);
      assert.equal(dropped.exitCode, 0, dropped.stderr);
      assert.notDeepEqual(await verify(), before, 'dropping changed the contents');

      const t1 = Date.now();
      for (const step of restoreSteps(engine, creds)) {
        const out = step.stdin
          ? await containers.execWithInput(id, { argv: step.argv, env: engine.execEnv(creds), stdin: Readable.from([dump]) })
          : await containers.exec(id, { argv: step.argv, env: engine.execEnv(creds) });
        assert.equal(out.exitCode, 0, `${step.argv.slice(0, 3).join(' ')}: ${out.stderr}`);
      }
      const restoreMs = Date.now() - t1;
      assert.deepEqual(await verify(), before);
      const readBack = await client(appContainer, handle.swarmService, fixture.read);
      assert.ok(readBack.stdout.includes(fixture.expect), readBack.stdout);
      console.log(`# ${engine.label}: dump ${dump.length} bytes in ${dumpMs} ms, restore in ${restoreMs} ms`);
    });

    it('stops, starts and is deleted with its volume', async () => {
      assert.equal((await c.post(`${DB}/maindb/stop`)).status, 202);
      assert.deepEqual((await waitForStatus('maindb', 'stopped')).replicas, { running: 0, desired: 0 });
      assert.equal((await t.ctx.docker.serviceTasks(handle.swarmService)).filter((x) => x.state === 'running').length, 0);
      assert.equal((await c.post(`${DB}/maindb/start`)).status, 202);
      await waitForStatus('maindb', 'running');
      // The data survived the stop (same volume).
      const readBack = await client(appContainer, handle.swarmService, fixture.read);
      assert.ok(readBack.stdout.includes(fixture.expect), readBack.stdout);
      assert.equal((await c.delete(`${DB}/maindb`)).status, 202);
      for (let i = 0; ; i++) {
        if ((await c.get(`${DB}/maindb`)).status === 404) break;
        assert.ok(i < 600, 'deleted within 2 minutes');
        await delay(200);
      }
      assert.equal((await t.ctx.docker.listServices({ labels: { 'berth.service': handle.serviceId } })).length, 0);
      await assert.rejects(containers.requireManagedVolume(handle.volume), /not found|No such volume|404/i);
    });
  });
}
