// The CLI against a real `berth server` (a child process on a fresh test database), driven as a user
// would: `node bin/berth.js …` child processes with their own config directory. Asserts stdout,
// stderr and exit codes; Docker is not needed.
import assert from 'node:assert/strict';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { apiKeyByPassword } from '../../test/support/http-setup.ts';
import { buildProgram, runCli } from './program.ts';
import { EXIT } from './errors.ts';
import { freePort, noStack, startCliServer, type CliServer } from './test-fixtures/cli-server.ts';

/** Every command path of the program, e.g. [], ['project'], ['project', 'list']. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return [prefix, ...cmd.commands.flatMap((c) => commandPaths(c, [...prefix, c.name()]))];
}

describe('berth CLI against a real server', () => {
  /** The server, with `berth` runs as a user who is not logged in: nothing from BERTH_* set. */
  let s: CliServer;
  let url: string;
  let ownerKey: string;
  let configPath: string;
  const berth: CliServer['berth'] = (args, opts) => s.berth(args, opts);

  before(async () => {
    s = await startCliServer({}, { loggedIn: false });
    ({ url, ownerKey } = s);
    configPath = join(s.xdg, 'berth', 'config.json');
  });

  after(async () => {
    await s?.stop();
  });

  it('prints --help for every command, exit 0', async () => {
    const paths = commandPaths(buildProgram({ stdout: process.stdout, stderr: process.stderr, env: {} }, { exitCode: 0, json: false }));
    assert.ok(paths.length > 15, 'expected the whole command tree');
    const expectUsage = (path: string[], r: { code: number | null; stdout: string; stderr: string }) => {
      assert.equal(r.code, 0, `berth ${path.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: berth ${path.join(' ')}`.trimEnd()), r.stdout);
    };
    // Every command in-process (the same program the binary runs; a child process each would cost
    // ~1 s per command on a busy machine), then a sample through the real executable.
    const helpPaths = paths.filter((p) => p.at(-1) !== 'help');
    for (const path of helpPaths) {
      let stdout = '';
      let stderr = '';
      const code = await runCli([...path, '--help'], { stdout: { write: (t: string) => (stdout += t), isTTY: false }, stderr: { write: (t: string) => (stderr += t) }, env: {} });
      expectUsage(path, { code, stdout, stderr });
    }
    for (const path of [[], ['project'], helpPaths.at(-1)!]) expectUsage(path, await berth([...path, '--help']));
  });

  it('asks to log in before anything else', async () => {
    const r = await berth(['project', 'list']);
    assert.equal(r.code, EXIT.unauthenticated);
    assert.match(r.stderr, /not logged in: run `berth login/);
  });

  it('refuses to save a key the server rejects', async () => {
    const r = await berth(['login', '--url', url, '--api-key', 'berth_not_a_real_key']);
    assert.equal(r.code, EXIT.unauthenticated);
    assert.match(r.stderr, /invalid or revoked API key/);
    assert.equal(existsSync(configPath), false);
  });

  it('logs in with the key on stdin and stores it 0600 in a 0700 directory', async () => {
    const r = await berth(['login', '--url', `${url}/`, '--api-key', '-'], { input: ownerKey + '\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Logged in to http:\/\/127\.0\.0\.1:\d+ as alice/);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(ownerKey));
    assert.equal(statSync(configPath).mode & 0o777, 0o600);
    assert.equal(statSync(join(s.xdg, 'berth')).mode & 0o777, 0o700);
    assert.deepEqual(JSON.parse(readFileSync(configPath, 'utf8')), { url, apiKey: ownerKey });
  });

  it('whoami shows the user, the API key and the organisations with roles', async () => {
    const json = await berth(['whoami', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const me = JSON.parse(json.stdout);
    assert.equal(me.user.name, 'alice');
    assert.equal(me.via, 'api_key');
    assert.equal(me.url, url);
    assert.equal(me.org, 'acme');
    assert.deepEqual(me.organizations.map((o: { name: string; role: string }) => [o.name, o.role]), [['acme', 'owner']]);

    const human = await berth(['whoami']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /alice <alice@example\.com>, instance administrator/);
    assert.match(human.stdout, /Authenticated with an API key/);
    assert.match(human.stdout, /acme\s+owner/);
  });

  it('creates, lists and deletes projects', async () => {
    const created = await berth(['project', 'create', 'shop', '--description', 'The web shop']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created project shop in acme \(environments: production\)/);

    await berth(['project', 'create', 'scratch']);
    const list = await berth(['project', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).map((p: { name: string }) => p.name).sort(), ['scratch', 'shop']);
    const table = await berth(['project', 'list']);
    assert.match(table.stdout, /^NAME\s+DESCRIPTION\s+CREATED$/m);
    assert.match(table.stdout, /^shop\s+The web shop\s+\d{4}-\d\d-\d\d \d\d:\d\d$/m);

    const refused = await berth(['project', 'delete', 'scratch']);
    assert.equal(refused.code, EXIT.failed);
    assert.match(refused.stderr, /refusing to delete project "scratch" without confirmation: pass --yes/);

    const deleted = await berth(['project', 'delete', 'scratch', '--yes']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /Deleted project scratch/);
    const missing = await berth(['project', 'delete', 'scratch', '--yes']);
    assert.equal(missing.code, EXIT.failed);
    assert.match(missing.stderr, /^error: .*not found/m);
    noStack(missing.stderr);
  });

  it('creates a service from an image with variables and secrets, and lists it', async () => {
    const r = await berth(
      ['service', 'create', 'web', '--project', 'shop', '--image', 'nginx:1.27', '--port', '8080', '--replicas', '2',
        '--env-var', 'MODE=production', '--env-var', 'GREETING=a=b', '--secret', 'DB_PASSWORD=hunter2-very-secret', '--secret', 'API_TOKEN'],
      { env: { API_TOKEN: 'from-the-environment' } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Created service web in shop\/production \(source: nginx:1\.27; 2 variables, 2 secrets\)/);
    assert.doesNotMatch(r.stdout, /hunter2|from-the-environment/);

    const list = await berth(['service', 'list', '--json', '--project', 'shop']);
    assert.equal(list.code, 0, list.stderr);
    const [svc, ...rest] = JSON.parse(list.stdout);
    assert.equal(rest.length, 0);
    assert.equal(svc.name, 'web');
    assert.equal(svc.environment, 'production');
    assert.deepEqual(svc.spec.source, { type: 'image', image: 'nginx:1.27' });
    assert.equal(svc.spec.port, 8080);
    assert.equal(svc.spec.replicas, 2);

    const vars = await s.api('GET', '/api/orgs/acme/projects/shop/environments/production/services/web/env');
    assert.deepEqual(
      vars.body.map((v: { key: string; secret: boolean; value: string | null }) => [v.key, v.secret, v.value]),
      [['API_TOKEN', true, null], ['DB_PASSWORD', true, null], ['GREETING', false, 'a=b'], ['MODE', false, 'production']],
    );
    const revealed = await s.api('POST', '/api/orgs/acme/projects/shop/environments/production/services/web/env/API_TOKEN/reveal', {});
    assert.equal(revealed.body.value, 'from-the-environment');

    const table = await berth(['service', 'list']);
    assert.match(table.stdout, /^NAME\s+PROJECT\s+ENV\s+KIND\s+SOURCE\s+REPLICAS\s+PORT$/m);
    assert.match(table.stdout, /^web\s+shop\s+production\s+app\s+nginx:1\.27\s+2\s+8080$/m);
  });

  it('reports a validation error naming the field, as text and as JSON', async () => {
    const r = await berth(['service', 'create', 'Bad_Name', '--project', 'shop', '--image', 'nginx']);
    assert.equal(r.code, EXIT.failed);
    assert.match(r.stderr, /^error: body\/name: expected a DNS label/m);
    assert.equal(r.stdout, '');
    noStack(r.stderr);

    const j = await berth(['service', 'create', 'Bad_Name', '--project', 'shop', '--image', 'nginx', '--json']);
    assert.equal(j.code, EXIT.failed);
    const err = JSON.parse(j.stderr);
    assert.equal(err.status, 400);
    assert.equal(err.error, 'invalid');
    assert.equal(err.issues[0].path, 'body/name');
  });

  it('rejects bad command lines before calling the server', async () => {
    const both = await berth(['service', 'create', 'x', '--project', 'shop', '--image', 'nginx', '--git', 'https://example.com/a/b']);
    assert.equal(both.code, EXIT.failed);
    assert.match(both.stderr, /cannot be used with/);
    const port = await berth(['service', 'create', 'x', '--project', 'shop', '--port', 'eighty']);
    assert.equal(port.code, EXIT.failed);
    assert.match(port.stderr, /--port <n>.*expected a whole number/);
    const missing = await berth(['service', 'create', 'x', '--project', 'shop', '--secret', 'UNSET_IN_ENV']);
    assert.equal(missing.code, EXIT.failed);
    assert.match(missing.stderr, /--secret UNSET_IN_ENV: expected KEY=VALUE/);
    const unknown = await berth(['projetc', 'list']);
    assert.equal(unknown.code, EXIT.failed);
    assert.match(unknown.stderr, /unknown command 'projetc'/);
  });

  it('deletes a service', async () => {
    await berth(['service', 'create', 'worker', '--project', 'shop', '--image', 'busybox']);
    const refused = await berth(['service', 'delete', 'worker', '--project', 'shop']);
    assert.equal(refused.code, EXIT.failed);
    assert.match(refused.stderr, /pass --yes/);
    const r = await berth(['service', 'delete', 'worker', '--project', 'shop', '--yes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Deleted service worker from shop\/production/);
    const list = await berth(['service', 'list', '--json']);
    assert.deepEqual(JSON.parse(list.stdout).map((s: { name: string }) => s.name), ['web']);
  });

  it('rejects a bad domain and an unknown setting', async () => {
    const bad = await berth(['config', 'set', 'domain', 'not a domain']);
    assert.equal(bad.code, EXIT.failed);
    assert.match(bad.stderr, /^error: body\/domain: expected a DNS name/m);
    const unknown = await berth(['config', 'set', 'colour', 'blue']);
    assert.equal(unknown.code, EXIT.failed);
    assert.match(unknown.stderr, /unknown setting "colour"/);
    const unset = await berth(['config', 'get', '--json']);
    assert.equal(unset.code, 0, unset.stderr);
    assert.deepEqual(JSON.parse(unset.stdout), { domain: null, acmeEmail: null, acmeDirectory: null });
  });

  // The server cannot serialise a settings response that holds a domain yet: the response schema
  // reuses `hostname`, whose .transform() zod refuses to encode (ZodEncodeError → 500).
  it('sets and reads the base domain', async () => {
    const set = await berth(['config', 'set', 'domain', 'Apps.Example.com']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Set domain to apps\.example\.com/);
    const get = await berth(['config', 'get', '--json']);
    assert.deepEqual(JSON.parse(get.stdout), { domain: 'apps.example.com', acmeEmail: null, acmeDirectory: null });
    const human = await berth(['config', 'get']);
    assert.match(human.stdout, /^domain\s+apps\.example\.com$/m);
    const cleared = await berth(['config', 'unset', 'domain', '--json']);
    assert.deepEqual(JSON.parse(cleared.stdout), { domain: null, acmeEmail: null, acmeDirectory: null });
  });

  it('creates users with a generated password or one from stdin; a member gets 403s', async () => {
    const bob = await berth(['user', 'create', 'bob', '--email', 'bob@example.com']);
    assert.equal(bob.code, 0, bob.stderr);
    assert.match(bob.stdout, /Created user bob <bob@example\.com>/);
    const generated = /Password \(shown only this once\): (\S+)/.exec(bob.stdout)?.[1];
    assert.ok(generated, bob.stdout);

    const carol = await berth(['user', 'create', 'carol', '--email', 'carol@example.com', '--password-stdin', '--json'], { input: 'carol has a long password\n' });
    assert.equal(carol.code, 0, carol.stderr);
    const created = JSON.parse(carol.stdout);
    assert.equal(created.user.name, 'carol');
    assert.equal(created.password, undefined);
    await apiKeyByPassword(url, 'carol', 'carol has a long password');

    const users = await berth(['user', 'list', '--json']);
    assert.deepEqual(JSON.parse(users.stdout).map((u: { name: string }) => u.name), ['alice', 'bob', 'carol']);

    const added = await s.api('POST', '/api/orgs/acme/members', { user: 'bob', role: 'member' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const bobKey = await apiKeyByPassword(url, 'bob', generated);
    // Bob works from environment variables only: no login file.
    const bobEnv = { XDG_CONFIG_HOME: join(s.tmp, 'xdg-bob'), BERTH_URL: url, BERTH_API_KEY: bobKey };

    const read = await berth(['project', 'list', '--json'], { env: bobEnv });
    assert.equal(read.code, 0, read.stderr);
    assert.deepEqual(JSON.parse(read.stdout).map((p: { name: string }) => p.name), ['shop']);

    const write = await berth(['project', 'create', 'mine'], { env: bobEnv });
    assert.equal(write.code, EXIT.failed);
    assert.match(write.stderr, /^error: your role \(member\) does not allow project\.write$/m);
    noStack(write.stderr);
    const admin = await berth(['config', 'set', 'domain', 'evil.example.com'], { env: bobEnv });
    assert.equal(admin.code, EXIT.failed);
    assert.match(admin.stderr, /only an instance administrator/);
    const del = await berth(['service', 'delete', 'web', '--project', 'shop', '--yes', '--json'], { env: bobEnv });
    assert.equal(del.code, EXIT.failed);
    assert.equal(JSON.parse(del.stderr).status, 403);
  });

  it('chooses the organisation: --org, BERTH_ORG, the saved one, else the only one', async () => {
    const beta = await s.api('POST', '/api/orgs', { name: 'beta' });
    assert.equal(beta.status, 201, JSON.stringify(beta.body));

    const ambiguous = await berth(['project', 'list']);
    assert.equal(ambiguous.code, EXIT.failed);
    assert.match(ambiguous.stderr, /several organisations \(acme, beta\): choose one with --org/);

    const flag = await berth(['--org', 'beta', 'project', 'list', '--json']);
    assert.equal(flag.code, 0, flag.stderr);
    assert.deepEqual(JSON.parse(flag.stdout), []);

    const relogin = await berth(['login', '--url', url, '--org', 'acme'], { env: { BERTH_API_KEY: ownerKey } });
    assert.equal(relogin.code, 0, relogin.stderr);
    assert.equal(JSON.parse(readFileSync(configPath, 'utf8')).org, 'acme');
    const saved = await berth(['project', 'list', '--json']);
    assert.deepEqual(JSON.parse(saved.stdout).map((p: { name: string }) => p.name), ['shop']);
    const fromEnv = await berth(['project', 'list', '--json'], { env: { BERTH_ORG: 'beta' } });
    assert.deepEqual(JSON.parse(fromEnv.stdout), []);

    const stranger = await berth(['login', '--url', url, '--org', 'gamma'], { env: { BERTH_API_KEY: ownerKey } });
    assert.equal(stranger.code, EXIT.failed);
    assert.match(stranger.stderr, /not a member of organisation "gamma"/);
  });

  it('says clearly when the server cannot be reached', async () => {
    const port = await freePort();
    const r = await berth(['project', 'list', '--org', 'acme'], { env: { BERTH_URL: `http://127.0.0.1:${port}` } });
    assert.equal(r.code, EXIT.unreachable);
    assert.equal(r.stderr, `error: cannot reach http://127.0.0.1:${port}: connection refused\n`);

    const login = await berth(['login', '--url', `http://127.0.0.1:${port}`, '--api-key', ownerKey], { env: { XDG_CONFIG_HOME: join(s.tmp, 'xdg-nowhere') } });
    assert.equal(login.code, EXIT.unreachable);
    assert.match(login.stderr, /cannot reach .*: connection refused/);
    assert.equal(existsSync(join(s.tmp, 'xdg-nowhere', 'berth', 'config.json')), false);
  });

  it('logs out', async () => {
    const r = await berth(['logout']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Logged out/);
    assert.equal(existsSync(configPath), false);
    const who = await berth(['whoami']);
    assert.equal(who.code, EXIT.unauthenticated);
    const again = await berth(['logout', '--json']);
    assert.deepEqual(JSON.parse(again.stdout), { removed: false, file: configPath });
  });

  it('prints its version', async () => {
    const r = await berth(['version', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).version, /^\d+\.\d+\.\d+/);
  });
});
