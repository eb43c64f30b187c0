// Injection at the API boundary. A corpus of shell metacharacters, option injections, path traversals
// and NUL bytes goes into every user-controlled field that can reach a shell, git, Docker, the proxy
// or the filesystem. Each value must be refused with a 4xx naming the field (and nothing written), or —
// for fields that are data by design (environment values, build-argument values, command argv items) —
// stored exactly as sent and planned as one inert value. The canary file must never come to exist.
// No Docker, no worker: the git and build gateways have their own corpus tests.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appSpecSchema } from '../core/services/kinds.ts';
import { planAppService } from '../plan/app-service.ts';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { setupOwner, type Client, type Res } from '../../test/support/client.ts';

const CANARY_NAME = `berth-canary-${randomBytes(6).toString('hex')}`;
const CANARY = join(tmpdir(), CANARY_NAME);
const touch = `touch ${CANARY}`;

/**
 * The corpus: each payload both as an attacker would write it and in a minimal form without spaces.
 * `option` payloads matter where a value starts with them; `traversal` payloads where they form a ".."
 * path segment (also URL-encoded); `shell` payloads anywhere.
 */
type Kind = 'shell' | 'option' | 'traversal';
const CORPUS: { label: string; value: string; kind: Kind }[] = [
  { label: 'semicolon', value: `;${touch}`, kind: 'shell' },
  { label: 'semicolon-compact', value: `;${CANARY}`, kind: 'shell' },
  { label: 'pipe', value: `|${touch}`, kind: 'shell' },
  { label: 'pipe-compact', value: `|${CANARY}`, kind: 'shell' },
  { label: 'and', value: `&&${touch}`, kind: 'shell' },
  { label: 'and-compact', value: `&&${CANARY}`, kind: 'shell' },
  { label: 'subshell', value: `$(${touch})`, kind: 'shell' },
  { label: 'subshell-compact', value: `$(${CANARY})`, kind: 'shell' },
  { label: 'backticks', value: `\`${touch}\``, kind: 'shell' },
  { label: 'backticks-compact', value: `\`${CANARY}\``, kind: 'shell' },
  { label: 'newline', value: `\n${touch}`, kind: 'shell' },
  { label: 'newline-compact', value: `\n${CANARY}`, kind: 'shell' },
  { label: 'nul', value: `x\0${touch}`, kind: 'shell' },
  { label: 'nul-compact', value: `\0${CANARY}`, kind: 'shell' },
  { label: 'upload-pack', value: `--upload-pack=${touch}`, kind: 'option' },
  { label: 'upload-pack-compact', value: `--upload-pack=${CANARY}`, kind: 'option' },
  { label: 'proxy-command', value: `-oProxyCommand=${touch}`, kind: 'option' },
  { label: 'proxy-command-compact', value: `-oProxyCommand=${CANARY}`, kind: 'option' },
  { label: 'dotdot', value: `../../../..${CANARY}`, kind: 'traversal' },
  { label: 'dotdot-bare', value: '../', kind: 'traversal' },
  { label: 'encoded-dotdot', value: `..%2f..%2f..%2f..%2f${CANARY.slice(1).replaceAll('/', '%2f')}`, kind: 'traversal' },
  { label: 'encoded-dotdot-bare', value: '..%2f', kind: 'traversal' },
];

/** Whether a carrier value puts the payload where it could do harm (see the corpus). */
function meaningful(kind: Kind, payload: string, value: string): boolean {
  if (kind === 'option') return value.startsWith(payload);
  if (kind === 'traversal') return value.split(/\/|%2f/i).includes('..');
  return true;
}

const ENV = '/api/orgs/acme/projects/shop/environments/production/services';
const TARGET = `${ENV}/target`;
const enc = encodeURIComponent;
/** A new valid service name per request, so that a wrongly accepted value shows as 201, not as a 409 for the name. */
let serial = 0;
const fresh = () => `ok-${++serial}`;
const git = (extra: Record<string, unknown>) => ({ type: 'git', repository: '/srv/repo', ...extra });

interface Field {
  name: string;
  /** The payload placed where it matters: alone, and inside an otherwise valid value. */
  carriers(p: string): string[];
  send(c: Client, v: string): Promise<Res>;
  /** The issue path the refusal must name. */
  path(v: string): string;
}

const FIELDS: Field[] = [
  { name: 'organisation name', carriers: (p) => [p, `web${p}`], send: (c, v) => c.post('/api/orgs', { name: v }), path: () => 'body/name' },
  { name: 'project name', carriers: (p) => [p, `web${p}`], send: (c, v) => c.post('/api/orgs/acme/projects', { name: v }), path: () => 'body/name' },
  { name: 'environment name', carriers: (p) => [p, `web${p}`], send: (c, v) => c.post('/api/orgs/acme/projects/shop/environments', { name: v }), path: () => 'body/name' },
  { name: 'service name', carriers: (p) => [p, `web${p}`], send: (c, v) => c.post(ENV, { name: v, kind: 'app' }), path: () => 'body/name' },
  { name: 'project name in the URL', carriers: (p) => [p, `shop${p}`], send: (c, v) => c.delete(`/api/orgs/acme/projects/${enc(v)}`), path: () => 'params/project' },
  {
    name: 'environment name in the URL',
    carriers: (p) => [p, `production${p}`],
    send: (c, v) => c.post(`/api/orgs/acme/projects/shop/environments/${enc(v)}/services`, { name: fresh(), kind: 'app' }),
    path: () => 'params/env',
  },
  { name: 'service name in the URL', carriers: (p) => [p, `target${p}`], send: (c, v) => c.post(`${ENV}/${enc(v)}/deployments`), path: () => 'params/service' },
  {
    name: 'git ref (create)',
    carriers: (p) => [p, `main${p}`, `feature/${p}`],
    send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { source: git({ ref: v }) } }),
    path: () => 'body/spec/source/ref',
  },
  { name: 'git ref (update)', carriers: (p) => [p, `main${p}`], send: (c, v) => c.patch(TARGET, { spec: { source: git({ ref: v }) } }), path: () => 'body/spec/source/ref' },
  {
    name: 'repository URL',
    carriers: (p) => [p, `https://git.example.com/acme/web${p}`, `/srv/repo/${p}`, `git@git.example.com:acme/${p}`, `ssh://git@git.example.com/${p}`],
    send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { source: { type: 'git', repository: v } } }),
    path: () => 'body/spec/source/repository',
  },
  {
    name: 'image reference',
    carriers: (p) => [p, `nginx${p}`, `nginx:1.27${p}`, `registry.example.com/team/${p}`],
    send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { source: { type: 'image', image: v } } }),
    path: () => 'body/spec/source/image',
  },
  { name: 'Dockerfile path', carriers: (p) => [p, `docker/${p}`], send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { source: git({ dockerfile: v }) } }), path: () => 'body/spec/source/dockerfile' },
  { name: 'build context', carriers: (p) => [p, `app/${p}`], send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { source: git({ context: v }) } }), path: () => 'body/spec/source/context' },
  { name: 'build target', carriers: (p) => [p, `build${p}`], send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { source: git({ target: v }) } }), path: () => 'body/spec/source/target' },
  {
    name: 'build argument name',
    carriers: (p) => [p, `ARG${p}`],
    send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { source: git({ buildArgs: { GOOD: 'x', [v]: 'x' } }) } }),
    path: (v) => `body/spec/source/buildArgs/${v}`,
  },
  { name: 'env key (create)', carriers: (p) => [p, `KEY${p}`], send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', env: [{ key: v, value: 'x' }] }), path: () => 'body/env/0/key' },
  { name: 'env key (replace)', carriers: (p) => [p, `KEY${p}`], send: (c, v) => c.put(`${TARGET}/env`, { vars: [{ key: 'GOOD', value: 'x' }, { key: v, value: 'x' }] }), path: () => 'body/vars/1/key' },
  { name: 'env key in the URL (reveal)', carriers: (p) => [p, `KEY${p}`], send: (c, v) => c.post(`${TARGET}/env/${enc(v)}/reveal`), path: () => 'params/key' },
  {
    name: 'domain host',
    carriers: (p) => [p, `shop.example.com${p}`, `${p}.example.com`],
    send: (c, v) => c.post(`${TARGET}/domains`, { host: v }),
    path: () => 'body/host',
  },
  {
    name: 'domain path prefix',
    carriers: (p) => [p, `/api${p}`, `/api/${p}`],
    send: (c, v) => c.post(`${TARGET}/domains`, { host: 'shop.example.com', pathPrefix: v }),
    path: () => 'body/pathPrefix',
  },
  { name: 'webhook watch path', carriers: (p) => [p, `src${p}`, `src/${p}`], send: (c, v) => c.post(`${TARGET}/webhook`, { watchPaths: ['src/**', v] }), path: () => 'body/watchPaths/1' },
  {
    name: 'health-check path',
    carriers: (p) => [p, `/healthz${p}`, `/healthz/${p}`],
    send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { port: 8080, healthCheck: { path: v } } }),
    path: () => 'body/spec/healthCheck/path',
  },
  {
    name: 'placement constraint',
    carriers: (p) => [p, `node.role==manager${p}`, `node.labels.zone==${p}`, `node.labels.${p}==a`],
    send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { placement: ['node.role==manager', v] } }),
    path: () => 'body/spec/placement/1',
  },
  { name: 'volume name', carriers: (p) => [p, `data${p}`], send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { volumes: [{ name: v, target: '/data' }] } }), path: () => 'body/spec/volumes/0/name' },
  {
    name: 'volume target',
    carriers: (p) => [p, `/data${p}`, `/data/${p}`],
    send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { volumes: [{ name: 'data', target: v }] } }),
    path: () => 'body/spec/volumes/0/target',
  },
  {
    name: 'bind mount source',
    carriers: (p) => [p, `/srv/data${p}`, `/srv/data/${p}`],
    send: (c, v) => c.post(ENV, { name: fresh(), kind: 'app', spec: { bindMounts: [{ source: v, target: '/data' }] } }),
    path: () => 'body/spec/bindMounts/0/source',
  },
  {
    name: 'bind mount target',
    carriers: (p) => [p, `/data${p}`, `/data/${p}`],
    send: (c, v) => c.patch(TARGET, { spec: { bindMounts: [{ source: '/srv/data', target: v }] } }),
    path: () => 'body/spec/bindMounts/0/target',
  },
];

/** Field name → corpus labels (per carrier index) that a field accepts on purpose. None today. */
const GAPS: Record<string, [label: string, carrier: number][]> = {};
const isGap = (field: string, label: string, carrier: number) => (GAPS[field] ?? []).some(([l, i]) => l === label && i === carrier);

function cases(field: Field, gaps: 'without-gaps' | 'only-gaps') {
  return CORPUS.flatMap((p) => field.carriers(p.value).map((value, i) => ({ label: p.label, kind: p.kind, payload: p.value, carrier: i, value })))
    .filter((x) => meaningful(x.kind, x.payload, x.value))
    .filter((x) => isGap(field.name, x.label, x.carrier) === (gaps === 'only-gaps'));
}

describe('injection corpus at the API boundary', () => {
  let t: TestApp;
  let c: Client;

  /** Every table a request could write, as one string. */
  const snapshot = async () => {
    const { rows } = await t.db.pool.query(`SELECT
      (SELECT json_agg(o ORDER BY o.id) FROM organizations o) AS orgs,
      (SELECT json_agg(m ORDER BY m.org_id, m.user_id) FROM memberships m) AS members,
      (SELECT json_agg(p ORDER BY p.id) FROM projects p) AS projects,
      (SELECT json_agg(e ORDER BY e.id) FROM environments e) AS environments,
      (SELECT json_agg(s ORDER BY s.id) FROM services s) AS services,
      (SELECT json_agg(v ORDER BY v.service_id, v.key) FROM service_env_vars v) AS env,
      (SELECT json_agg(d ORDER BY d.id) FROM domains d) AS domains,
      (SELECT json_agg(w ORDER BY w.service_id) FROM service_webhooks w) AS webhooks,
      (SELECT json_agg(d ORDER BY d.id) FROM deployments d) AS deployments,
      (SELECT json_agg(j ORDER BY j.seq) FROM jobs j) AS jobs,
      (SELECT json_agg(a ORDER BY a.id) FROM audit_log a) AS audit`);
    return JSON.stringify(rows[0]);
  };

  before(async () => {
    t = await testApp();
    c = await setupOwner(t.api, t.setupToken);
    assert.equal((await c.post('/api/orgs/acme/projects', { name: 'shop' })).status, 201);
    const target = await c.post(ENV, { name: 'target', kind: 'app', spec: { source: git({ ref: 'main' }), port: 8080 } });
    assert.equal(target.status, 201, JSON.stringify(target.body));
    assert.equal((await c.get(`${TARGET}/webhook`)).status, 200);
  });
  after(() => t.close());

  for (const field of FIELDS) {
    it(`${field.name}: every payload is refused with a 4xx naming the field, and nothing is written`, async () => {
      const before = await snapshot();
      const wrong: string[] = [];
      const all = cases(field, 'without-gaps');
      assert.ok(all.length >= CORPUS.length - 4, `${field.name}: only ${all.length} cases`);
      for (const { label, carrier, value } of all) {
        const res = await field.send(c, value);
        const issues: { path: string }[] = res.body?.issues ?? [];
        if (res.status < 400 || res.status >= 500 || !issues.some((i) => i.path === field.path(value))) {
          wrong.push(`${label}#${carrier} ${JSON.stringify(value)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
      }
      assert.deepEqual(wrong, [], `${field.name}: not refused as expected:\n${wrong.join('\n')}`);
      assert.equal(await snapshot(), before, 'a refused request writes nothing');
      assert.equal(existsSync(CANARY), false);
    });
  }

  it('after all refusals, the canary appears nowhere in the database', async () => {
    assert.ok(!(await snapshot()).includes(CANARY_NAME));
    assert.equal(existsSync(CANARY), false);
  });

  describe('fields that are data by design keep the payload exactly as sent', () => {
    const values = CORPUS.flatMap((p) => [p.value, `value${p.value}`]);
    const withoutNul = values.filter((v) => !v.includes('\0'));
    const withNul = values.filter((v) => v.includes('\0'));

    it('environment values (plain and secret): stored and returned byte for byte', async () => {
      const vars = withoutNul.map((value, i) => ({ key: `V${i}`, value, secret: i % 5 === 0 }));
      const put = await c.put(`${TARGET}/env`, { vars });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const got = await c.get(`${TARGET}/env`);
      const byKey = new Map(got.body.map((v: { key: string; value: string | null }) => [v.key, v.value]));
      for (const v of vars) {
        if (v.secret) {
          assert.equal(byKey.get(v.key), null, 'secrets are masked');
          assert.equal((await c.post(`${TARGET}/env/${v.key}/reveal`)).body.value, v.value);
        } else assert.equal(byKey.get(v.key), v.value);
      }
      const created = await c.post(ENV, { name: 'inert-env', kind: 'app', env: withoutNul.map((value, i) => ({ key: `V${i}`, value })) });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const listed = await c.get(`${ENV}/inert-env/env`);
      assert.deepEqual(
        listed.body.map((v: { key: string; value: string }) => [v.key, v.value]).sort(),
        withoutNul.map((value, i) => [`V${i}`, value]).sort(),
      );
    });

    it('environment values with a NUL byte are refused, naming the variable', async () => {
      const before = await snapshot();
      for (const value of withNul) {
        const res = await c.put(`${TARGET}/env`, { vars: [{ key: 'OK', value: 'x' }, { key: 'BAD', value }] });
        assert.equal(res.status, 400);
        assert.ok(res.body.issues.some((i: { path: string }) => i.path === 'body/vars/1/value'), JSON.stringify(res.body));
        const created = await c.post(ENV, { name: 'nul-env', kind: 'app', env: [{ key: 'BAD', value }] });
        assert.equal(created.status, 400);
        assert.ok(created.body.issues.some((i: { path: string }) => i.path === 'body/env/0/value'), JSON.stringify(created.body));
      }
      assert.equal(await snapshot(), before);
    });

    it('build-argument values and command argv items: stored exactly, planned as single inert values', async () => {
      const buildArgs = Object.fromEntries(withoutNul.map((v, i) => [`ARG_${i}`, v]));
      const res = await c.post(ENV, { name: 'inert-spec', kind: 'app', spec: { source: git({ buildArgs }), command: withoutNul, port: 8080 } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const got = await c.get(`${ENV}/inert-spec`);
      assert.deepEqual(got.body.spec.source.buildArgs, buildArgs);
      assert.deepEqual(got.body.spec.command, withoutNul);
      // Updating keeps them just as exactly.
      const patched = await c.patch(`${ENV}/inert-spec`, { spec: { command: ['/app/run', ...withoutNul.slice(0, 5)] } });
      assert.equal(patched.status, 200);
      assert.deepEqual(patched.body.spec.command, ['/app/run', ...withoutNul.slice(0, 5)]);

      // What the stored spec becomes for Docker: argv items and env values one for one, no shell anywhere.
      const env = Object.fromEntries(withoutNul.map((v, i) => [`V${i}`, v]));
      const spec = appSpecSchema.parse(got.body.spec);
      const planned = planAppService({
        service: { id: got.body.id, name: 'inert-spec', projectId: randomUUID(), orgId: randomUUID(), environmentId: randomUUID() },
        spec,
        deployment: { id: randomUUID(), image: 'sha256:' + 'a'.repeat(64) },
        env,
        routed: false,
      });
      assert.deepEqual(planned.TaskTemplate.ContainerSpec.Command, withoutNul);
      assert.deepEqual(planned.TaskTemplate.ContainerSpec.Env, Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
    });

    it(
      'build-argument values and command argv items with a NUL byte: refused naming the field (or stored exactly)',
      async () => {
        const before = await snapshot();
        for (const value of withNul) {
          const args = await c.post(ENV, { name: 'nul-args', kind: 'app', spec: { source: git({ buildArgs: { A: value } }) } });
          assert.equal(args.status, 400, `buildArgs ${JSON.stringify(value)} → ${args.status} ${JSON.stringify(args.body)}`);
          assert.ok(args.body.issues?.some((i: { path: string }) => i.path === 'body/spec/source/buildArgs/A'));
          const cmd = await c.post(ENV, { name: 'nul-cmd', kind: 'app', spec: { command: ['run', value] } });
          assert.equal(cmd.status, 400, `command ${JSON.stringify(value)} → ${cmd.status} ${JSON.stringify(cmd.body)}`);
          assert.ok(cmd.body.issues?.some((i: { path: string }) => i.path === 'body/spec/command/1'));
        }
        assert.equal(await snapshot(), before);
      },
    );
  });

  it('the canary file was never created', () => {
    assert.equal(existsSync(CANARY), false);
  });

  describe('refused shapes beyond the corpus', () => {
    for (const field of FIELDS.filter((f) => GAPS[f.name])) {
      it(
        `${field.name}: the remaining payloads are refused`,
        async () => {
          const wrong: string[] = [];
          for (const { label, carrier, value } of cases(field, 'only-gaps')) {
            const res = await field.send(c, value);
            const issues: { path: string }[] = res.body?.issues ?? [];
            if (res.status !== 400 || !issues.some((i) => i.path === field.path(value))) wrong.push(`${label}#${carrier} ${JSON.stringify(value)} → ${res.status}`);
          }
          assert.deepEqual(wrong, []);
        },
      );
    }

    it(
      'repository URL: no part of it may look like an option (user, host or path starting with "-")',
      async () => {
        for (const v of [`-oProxyCommand@evil.example:x`, 'git@-oProxyCommand:x', 'git@git.example.com:-upload', 'ssh://-oProxyCommand@git.example.com/x', 'https://-oProxyCommand/x']) {
          const res = await c.post(ENV, { name: 'dash-repo', kind: 'app', spec: { source: { type: 'git', repository: v } } });
          assert.equal(res.status, 400, `${v} → ${res.status}`);
          assert.ok(res.body.issues.some((i: { path: string }) => i.path === 'body/spec/source/repository'));
        }
      },
    );
  });
});
