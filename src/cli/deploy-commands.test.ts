// deploy / rollback / logs against a scripted local server: what a live stream looks like from the
// command line when Docker is not needed to produce it — a success, a cancel, Ctrl-C, a dropped
// connection resumed from the last event id, the default --wait at a terminal, NDJSON, and SIGINT sent
// to the real executable.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXIT } from './errors.ts';
import { runCli } from './program.ts';

const ID = '907c122c-eb2a-4d0e-bf0b-492939a237d6';
const SVC = '/api/orgs/acme/projects/shop/environments/production/services/web';

type Status = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
const deployment = (status: Status, extra: Record<string, unknown> = {}) => ({
  id: ID,
  serviceId: 's1',
  status,
  kind: 'deploy',
  trigger: 'manual:alice',
  reason: null,
  commitSha: null,
  commitMessage: null,
  commitAuthor: null,
  image: null,
  releaseName: null,
  rollbackOf: null,
  jobId: 'j1',
  steps: {},
  current: status === 'succeeded',
  createdAt: '2025-01-01T00:00:00.000Z',
  startedAt: status === 'queued' ? null : '2025-01-01T00:00:01.000Z',
  finishedAt: ['succeeded', 'failed', 'cancelled'].includes(status) ? '2025-01-01T00:01:04.000Z' : null,
  ...extra,
});

/** The deployment that is live: built from a commit, finished two hours ago. */
const LIVE = deployment('succeeded', {
  id: 'cafe0001-0000-4000-8000-000000000000',
  commitSha: '0123456789abcdef0123456789abcdef01234567',
  commitMessage: 'Fix the header on small screens so the menu fits\n\nLonger body',
  createdAt: new Date(Date.now() - 7_300_000).toISOString(),
  startedAt: new Date(Date.now() - 7_290_000).toISOString(),
  finishedAt: new Date(Date.now() - 7_200_000).toISOString(),
});

const line = (seq: number, text: string) => `id: ${seq}\nevent: line\ndata: ${JSON.stringify({ seq, at: '2025-01-01T00:00:02.000Z', line: text })}\n\n`;
const end = (status: Status, reason: string | null = null) => `event: end\ndata: ${JSON.stringify({ status, reason })}\n\n`;

/** What the scripted server does for one log stream request; `after` is the query's. */
type LogScript = (res: ServerResponse, after: number) => void;

interface Scripted {
  url: string;
  requests: string[];
  /** The log streams to serve, in order (one per connection). */
  logs: LogScript[];
  /** What GET …/deployments/:id says before the log was asked for. */
  initial: Status;
  final: Status;
  reason: string | null;
  /** Set when a log connection closed. */
  closed: Promise<void>;
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  res.write(': berth\n\n');
}

async function scriptedServer(): Promise<{ state: Scripted; server: Server }> {
  let closedResolve: () => void = () => undefined;
  const state: Scripted = { url: '', requests: [], logs: [], initial: 'queued', final: 'succeeded', reason: null, closed: Promise.resolve() };
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    state.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.method === 'POST' && url.pathname === `${SVC}/deployments`) return json(res, 202, deployment('queued'));
    if (req.method === 'POST' && url.pathname === `${SVC}/rollback`) return json(res, 202, deployment('queued', { kind: 'rollback' }));
    if (req.method === 'GET' && url.pathname === `${SVC}/deployments/${ID}`) {
      const done = state.requests.some((r) => r.includes('/logs?follow=true'));
      if (done || state.initial !== 'queued') return json(res, 200, deployment(done ? state.final : state.initial, { reason: state.reason }));
      return json(res, 200, deployment('queued', { position: 2 }));
    }
    if (req.method === 'GET' && url.pathname === `${SVC}/deployments/${ID}/logs` && url.searchParams.get('follow') === 'true') {
      const script = state.logs.shift();
      if (!script) return json(res, 500, { error: 'test', message: 'no more log streams scripted' });
      state.closed = new Promise((resolve) => (closedResolve = resolve));
      req.socket.once('close', () => closedResolve());
      sse(res);
      return script(res, Number(url.searchParams.get('after')));
    }
    if (req.method === 'POST' && url.pathname === `${SVC}/deployments/${ID}/cancel`) return json(res, 200, deployment('cancelled', { reason: 'cancelled by alice' }));
    if (req.method === 'GET' && url.pathname === `${SVC}/deployments`) return json(res, 200, [LIVE, deployment('failed', { reason: 'boom' })]);
    if (req.method === 'GET' && url.pathname === `${SVC}/status`) {
      return json(res, 200, {
        state: 'degraded',
        replicas: { desired: 2, healthy: 1 },
        current: LIVE,
        latest: deployment('running', { id: 'aa11bb22-0000-4000-8000-000000000000', startedAt: new Date(Date.now() - 65_000).toISOString() }),
        tasks: [
          { slot: 1, state: 'running', health: 'healthy', node: 'node-1', message: 'started', error: null },
          { slot: 2, state: 'starting', health: 'starting', node: 'node-2', message: 'starting', error: 'health check \u001b[31mfailing\u001b[0m' },
        ],
      });
    }
    if (req.method === 'GET' && url.pathname === `${SVC}/logs`) {
      sse(res);
      res.write(`event: line\ndata: ${JSON.stringify({ stream: 'stdout', at: '2025-01-01T00:00:00Z', line: 'listening on :80' })}\n\n`);
      res.write(`event: line\ndata: ${JSON.stringify({ stream: 'stderr', at: '2025-01-01T00:00:01Z', line: 'warning: \u001b[31mred\u001b[0m' })}\n\n`);
      if (url.searchParams.get('tail') === '1') res.end(`event: error\ndata: ${JSON.stringify({ message: 'Docker went away' })}\n\n`);
      else res.end('event: end\ndata: {}\n\n');
      return;
    }
    json(res, 404, { error: 'not_found', message: `no route ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { state, server };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process; `interrupt` receives the Ctrl-C trigger once the command subscribed. */
async function run(state: Scripted, args: string[], opts: { tty?: boolean; onInterruptable?: (ctrlC: () => void) => void } = {}): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...args, '--org', 'acme'], {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => (stderr += s) },
    env: { BERTH_URL: state.url, BERTH_API_KEY: 'berth_test', XDG_CONFIG_HOME: '/nonexistent-berth-test' },
    onInterrupt: (handler) => {
      opts.onInterruptable?.(handler);
      return () => undefined;
    },
  });
  return { code, stdout, stderr };
}

describe('deploy, rollback and logs against a scripted server', () => {
  let state: Scripted;
  let server: Server;
  before(async () => ({ state, server } = await scriptedServer()));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    state.requests = [];
    state.logs = [];
    state.initial = 'queued';
    state.final = 'succeeded';
    state.reason = null;
  });

  it('without --wait (not a terminal): prints the id and queue position, exit 0, no log requested', async () => {
    const r = await run(state, ['deploy', 'web', '--project', 'shop']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `Deployment ${ID} of web: queued (position 2 in the queue).\nFollow its log: berth logs web --deployment ${ID} -f --project shop --org acme\n`,
    );
    assert.deepEqual(state.requests, [`POST ${SVC}/deployments`, `GET ${SVC}/deployments/${ID}`]);
  });

  it('at a terminal it follows by default: the log as it comes, then the outcome, exit 0', async () => {
    state.logs.push((res) => res.end(line(1, '==> source') + line(2, '==> build \u001b[32mok\u001b[0m') + end('succeeded')));
    const r = await run(state, ['deploy', 'web', '--project', 'shop'], { tty: true });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '==> source\n==> build ok\nDeployment 907c122c succeeded in 1m 3s: web is live.\n');
    assert.match(r.stderr, /^Deployment 907c122c of web: queued \(position 2 in the queue\)\. Following its log; Ctrl-C stops following, not the deployment\.\n$/);
    assert.ok(state.requests.includes(`GET ${SVC}/deployments/${ID}/logs?follow=true&after=0`), state.requests.join('\n'));
  });

  it('--no-wait at a terminal does not follow', async () => {
    const r = await run(state, ['deploy', 'web', '--project', 'shop', '--no-wait'], { tty: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Deployment 907c122c-.* of web: queued/);
    assert.equal(state.requests.length, 2);
  });

  it('exits 1 with the reason when the deployment fails or is cancelled', async () => {
    state.final = 'cancelled';
    state.reason = 'cancelled by alice';
    state.logs.push((res) => res.end(line(1, '==> build') + end('cancelled', 'cancelled by alice')));
    const r = await run(state, ['rollback', 'web', '--project', 'shop', '--wait']);
    assert.equal(r.code, EXIT.failed);
    assert.equal(r.stdout, '==> build\n');
    assert.match(r.stderr, /^Rollback 907c122c of web: queued/);
    assert.match(r.stderr, /\nerror: rollback 907c122c was cancelled: cancelled by alice\n$/);
    assert.ok(state.requests.includes(`POST ${SVC}/rollback`));
  });

  it('a deployment that ended before the CLI looked: its whole log, then the outcome', async () => {
    state.initial = 'failed';
    state.final = 'failed';
    state.reason = 'no Docker';
    state.logs.push((res) => res.end(line(1, '==> source') + line(2, '==> failed: no Docker') + end('failed', 'no Docker')));
    const r = await run(state, ['deploy', 'web', '--project', 'shop', '--wait']);
    assert.equal(r.code, EXIT.failed);
    assert.equal(r.stdout, '==> source\n==> failed: no Docker\n');
    assert.equal(r.stderr, 'Deployment 907c122c of web: already finished. Its log:\nerror: deployment 907c122c failed: no Docker\n');
  });

  it('--json --wait prints no log, the final deployment on stdout, and a JSON error on stderr', async () => {
    state.final = 'failed';
    state.reason = 'health check failed';
    state.logs.push((res) => res.end(line(1, '==> release') + end('failed', 'health check failed')));
    const r = await run(state, ['deploy', 'web', '--project', 'shop', '--wait', '--json']);
    assert.equal(r.code, EXIT.failed);
    const d = JSON.parse(r.stdout);
    assert.equal(d.id, ID);
    assert.equal(d.status, 'failed');
    assert.deepEqual(JSON.parse(r.stderr), { error: 'deployment_failed', message: 'deployment 907c122c failed: health check failed' });
  });

  it('Ctrl-C stops following only: exit 130, says the deployment keeps going and how to cancel it', async () => {
    let ctrlC: () => void = () => undefined;
    state.logs.push((res) => {
      res.write(line(1, '==> build'));
      setTimeout(() => ctrlC(), 50); // the user presses Ctrl-C while the build runs
    });
    const r = await run(state, ['deploy', 'web', '--project', 'shop', '--wait'], { onInterruptable: (h) => (ctrlC = h) });
    assert.equal(r.code, EXIT.interrupted);
    assert.equal(r.stdout, '==> build\n');
    assert.match(r.stderr, /Stopped following\. Deployment 907c122c keeps going; to cancel it:\n {2}berth cancel 907c122c-eb2a-4d0e-bf0b-492939a237d6 --service web --project shop --org acme\n$/);
    assert.ok(!state.requests.some((r) => r.includes('/cancel')), 'no cancel was sent');
    await state.closed; // and the stream's connection was closed
  });

  it('the real executable: SIGINT (Ctrl-C) while following stops following, exit 130', async () => {
    state.logs.push((res) => res.write(line(1, '==> build')));
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../bin/berth.js', import.meta.url)), 'deploy', 'web', '--project', 'shop', '--org', 'acme', '--wait'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BERTH_FROM_SOURCE: '1', BERTH_URL: state.url, BERTH_API_KEY: 'berth_test', XDG_CONFIG_HOME: '/nonexistent-berth-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (stdout.includes('==> build\n')) resolve();
      }),
    );
    child.kill('SIGINT');
    assert.equal(await exited, EXIT.interrupted, stderr);
    assert.match(stderr, /Stopped following\. Deployment 907c122c keeps going; to cancel it:\n {2}berth cancel 907c122c-\S+ --service web --project shop --org acme\n$/);
    await state.closed;
  });

  it('resumes a dropped log stream after the last event id, printing no line twice', async () => {
    const afters: number[] = [];
    state.logs.push((res, after) => {
      afters.push(after);
      res.write(line(1, 'one') + line(2, 'two'));
      setTimeout(() => res.destroy(), 30);
    });
    state.logs.push((res, after) => {
      afters.push(after);
      // A server replaying from `after` exactly, plus one line it should not have resent.
      res.end(line(2, 'two') + line(3, 'three') + end('succeeded'));
    });
    const r = await run(state, ['deploy', 'web', '--project', 'shop', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(afters, [0, 2]);
    assert.equal(r.stdout, 'one\ntwo\nthree\nDeployment 907c122c succeeded in 1m 3s: web is live.\n');
    assert.match(r.stderr, /\(log stream interrupted: connection lost: .*; reconnecting, attempt 1\)/);
  });

  it('logs --deployment -f --json prints NDJSON with the end record', async () => {
    state.logs.push((res) => res.end(line(1, 'a') + end('failed', 'boom')));
    const r = await run(state, ['logs', 'web', '--project', 'shop', '--deployment', ID, '-f', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.trim().split('\n').map((l) => JSON.parse(l)),
      [
        { event: 'line', seq: 1, at: '2025-01-01T00:00:02.000Z', line: 'a' },
        { event: 'end', status: 'failed', reason: 'boom' },
      ],
    );
  });

  it('status: state, replicas, the live deployment with its commit, the one in progress, tasks', async () => {
    const r = await run(state, ['status', 'web', '--project', 'shop']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'web in shop/production: degraded, 1/2 replicas healthy',
        'Live:    deployment cafe0001 (0123456 "Fix the header on small screens so the menu fits") deployed 2h ago',
        'Latest:  deployment aa11bb22 running for 1m 5s',
        '',
        'SLOT  STATE     HEALTH    NODE    MESSAGE',
        '1     running   healthy   node-1  started',
        '2     starting  starting  node-2  health check ?[31mfailing?[0m',
        '',
      ].join('\n'),
    );
  });

  it('deployments: short ids, the live one marked, commit and run time; cancel reports the outcome', async () => {
    const r = await run(state, ['deployments', 'web', '--project', 'shop']);
    assert.equal(r.code, 0, r.stderr);
    const [header, live, failed] = r.stdout.split('\n');
    assert.match(header!, /^ID\s+STATUS\s+COMMIT\s+TRIGGER\s+AGE\s+DURATION$/);
    assert.match(live!, /^cafe0001\s+succeeded \(live\)\s+0123456 "Fix the header on small screens so the…"\s+manual:alice\s+2h ago\s+1m 30s$/);
    assert.match(failed!, /^907c122c\s+failed\s+-\s+manual:alice\s+\d+d ago\s+1m 3s$/);

    const cancelled = await run(state, ['cancel', '907c', '--service', 'web', '--project', 'shop']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(cancelled.stdout, 'Cancelled deployment 907c122c of web; the live version keeps serving.\n');
    assert.ok(state.requests.includes(`POST ${SVC}/deployments/${ID}/cancel`), 'the prefix was resolved to the full id');
  });

  it('runtime logs: stdout lines on stdout, stderr lines on stderr, escapes dropped; an error event fails', async () => {
    const r = await run(state, ['logs', 'web', '--project', 'shop', '-t']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '2025-01-01T00:00:00Z listening on :80\n');
    assert.equal(r.stderr, '2025-01-01T00:00:01Z warning: red\n');
    assert.ok(state.requests.includes(`GET ${SVC}/logs?follow=false`), state.requests.join('\n'));

    const failed = await run(state, ['logs', 'web', '--project', 'shop', '--tail', '1', '--since', '2024-12-31T23:00:00Z', '-f']);
    assert.equal(failed.code, EXIT.failed);
    assert.match(failed.stderr, /error: the log stream failed: Docker went away\n$/);
    assert.ok(state.requests.includes(`GET ${SVC}/logs?follow=true&tail=1&since=${Date.parse('2024-12-31T23:00:00Z') / 1000}`), state.requests.join('\n'));
  });
});
