// Deploy figures (issue "Deploy apps"): time from the deploy call to the first v2 answer through the
// ingress, split by pipeline step; the same change built and rolled out by hand (`docker build` +
// `docker service update`) in the same run; their ratio; requests/s through the ingress vs straight to
// one task. Needs the test bed (scripts/testbed/up.sh). Writes bench/results/deploy.json.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { setupOwner, type Client } from '../test/support/client.ts';
import { TestRepo } from '../test/support/git-repo.ts';
import { measureRate } from './http-rate.ts';
import { freePort, sleep, startStack } from './stack.ts';

const exec = promisify(execFile);

function getVersion(port: number, host?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(body) as { version: string }).version : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

async function untilVersion(port: number, version: string, host?: string): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    if ((await getVersion(port, host)) === version) return;
    await sleep(20);
  }
  throw new Error(`never saw ${version} on port ${port}`);
}

export async function deployBench(): Promise<void> {
  const httpPort = await freePort();
  const { run, api, setupToken, stop } = await startStack({
    name: 'deploy',
    pgPortBase: 5800,
    proxySuffix: 'proxy',
    env: { BERTH_PROXY_HTTP_PORT: String(httpPort), BERTH_PROXY_HTTPS_PORT: String(await freePort()) },
    workerConcurrency: 1,
  });
  const repo = await TestRepo.create();
  const host = `bench-${run}.example.test`;
  const manual = `bench-${run}-manual`;
  const manualPort = await freePort();
  let serviceId = '';
  try {
    const c: Client = await setupOwner(api, setupToken);
    await c.post('/api/orgs/acme/projects', { name: 'bench' });
    const SVC = '/api/orgs/acme/projects/bench/environments/production/services/web';
    serviceId = (await c.post('/api/orgs/acme/projects/bench/environments/production/services', { name: 'web', kind: 'app', spec: { source: { type: 'git', repository: repo.dir, ref: 'main' }, port: 8080 } })).body.id;
    await c.post(`${SVC}/domains`, { host });
    const deployAndMeasure = async (version: string) => {
      await repo.commit(version, version);
      const t0 = performance.now();
      const started = await c.post(`${SVC}/deployments`);
      await untilVersion(httpPort, version, host);
      const firstResponseMs = Math.round(performance.now() - t0);
      let d = (await c.get(`${SVC}/deployments/${started.body.id}`)).body;
      while (d.status === 'running' || d.status === 'queued') {
        await sleep(100);
        d = (await c.get(`${SVC}/deployments/${started.body.id}`)).body;
      }
      return { firstResponseMs, steps: d.steps as Record<string, number>, status: d.status as string };
    };
    await deployAndMeasure('v1'); // warm the layer cache and the proxy
    const berth = await deployAndMeasure('v2');

    // By hand: the same repository, built with the docker CLI and rolled out with a service update.
    await exec('docker', ['build', '-q', '-t', `${manual}:v2`, repo.dir]);
    await exec('docker', ['service', 'create', '-q', '--detach', '--name', manual, '--label', 'berth.test=true', '--endpoint-mode', 'dnsrr', '--publish', `mode=host,published=${manualPort},target=8080`, `${manual}:v2`]);
    await untilVersion(manualPort, 'v2');
    await repo.commit('v3', 'v3');
    const t0 = performance.now();
    await exec('docker', ['build', '-q', '-t', `${manual}:v3`, repo.dir]);
    const built = performance.now();
    await exec('docker', ['service', 'update', '-q', '--detach', '--image', `${manual}:v3`, manual]);
    await untilVersion(manualPort, 'v3');
    const byHand = { firstResponseMs: Math.round(performance.now() - t0), buildMs: Math.round(built - t0) };

    const throughIngress = await measureRate({ port: httpPort, host, connections: 16, seconds: 5 });
    const direct = await measureRate({ port: manualPort, connections: 16, seconds: 5 });
    const result = {
      at: new Date().toISOString(),
      berth: { ...berth, note: 'deploy call → first v2 answer through the ingress; steps in ms' },
      byHand: { ...byHand, note: 'docker build + docker service update (stop-first on a host port) → first v3 answer' },
      ratio: Math.round((berth.firstResponseMs / byHand.firstResponseMs) * 100) / 100,
      target: 1.15,
      requestsPerSecond: { throughIngress, directToOneTask: direct },
    };
    writeFileSync('bench/results/deploy.json', JSON.stringify(result, null, 2) + '\n');
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await stop(serviceId, () => exec('docker', ['service', 'rm', manual]).catch(() => undefined));
    repo.remove();
  }
}
