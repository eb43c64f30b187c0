// Source credentials: a deploy key and a registry login go in, are stored sealed (a database dump holds
// neither), and come back only as "set" — to members as well as admins; only admins may change them.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { credentialsApply, credentialsInputSchema, deployKeySchema, imageRegistry, SourceCredentials } from '../core/services/credentials.ts';
import { registryAuthHeader } from '../infra/docker/index.ts';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { ownerMemberOutsider, type Client } from '../../test/support/client.ts';
import { dumpDatabase } from '../../test/support/dump.ts';

const URL_ = '/api/orgs/acme/projects/web/environments/production/services/api/credentials';

function pkcs8Key(): { pem: string; body: string } {
  const { privateKey } = generateKeyPairSync('ed25519', { privateKeyEncoding: { format: 'pem', type: 'pkcs8' }, publicKeyEncoding: { format: 'pem', type: 'spki' } });
  const body = privateKey.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  return { pem: privateKey, body };
}

/** An OpenSSH-framed key whose header names `cipher` (only the header is checked). */
function opensshKey(cipher: string): string {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(cipher.length);
  const raw = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), len, Buffer.from(cipher), randomBytes(64)]);
  const lines = raw.toString('base64').match(/.{1,70}/g)!.join('\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

describe('source credentials', () => {
  let t: TestApp;
  let owner: Client, member: Client, outsider: Client;
  const key = pkcs8Key();
  const password = 'ghp_' + randomBytes(18).toString('hex');

  before(async () => {
    t = await testApp();
    ({ owner, member, outsider } = await ownerMemberOutsider(t.api, t.setupToken));
    assert.equal((await owner.post('/api/orgs/acme/projects', { name: 'web' })).status, 201);
    const svc = await owner.post('/api/orgs/acme/projects/web/environments/production/services', {
      name: 'api',
      kind: 'app',
      spec: { source: { type: 'image', image: 'ghcr.io/acme/api:1' } },
    });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
  });
  after(() => t.close());

  it('nothing is set at first', async () => {
    const res = await owner.get(URL_);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { deployKey: { set: false, updatedAt: null }, registry: { server: null, username: null, passwordSet: false }, updatedAt: null });
  });

  it('set a deploy key and registry credentials: a read shows only what is set, a dump holds neither secret', async () => {
    const res = await owner.put(URL_, { deployKey: key.pem, registry: { server: 'GHCR.io', username: 'acme-bot', password } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.deployKey.set, true);
    assert.deepEqual(res.body.registry, { server: 'ghcr.io', username: 'acme-bot', passwordSet: true });
    const read = await member.get(URL_);
    assert.equal(read.status, 200, 'a member may read the status');
    assert.equal(read.body.deployKey.set, true);
    assert.ok(read.body.deployKey.updatedAt);
    assert.deepEqual(read.body.registry, { server: 'ghcr.io', username: 'acme-bot', passwordSet: true });
    const text = JSON.stringify(read.body) + JSON.stringify(res.body);
    assert.ok(!text.includes(password) && !text.includes(key.body.slice(0, 40)), 'responses never carry the secrets');

    const { text: dump, via } = await dumpDatabase(t.db.pool, t.db.url);
    assert.ok(dump.includes('acme-bot'), `the dump (${via}) holds the row`);
    assert.ok(dump.includes('service.credentials.update'), 'the change is audited');
    for (const [what, secret] of Object.entries({ password, keyBody: key.body, keyStart: key.body.slice(0, 24) })) {
      assert.ok(!dump.includes(secret), `the dump (${via}) must not contain the ${what}`);
    }

    // The pipeline's view: the clear values, bound to this service.
    const svc = await t.db.pool.query<{ id: string }>("SELECT id FROM services WHERE name = 'api'");
    const opened = await new SourceCredentials(t.ctx.secrets).open(t.ctx.database.db, svc.rows[0]!.id);
    assert.equal(opened.deployKey, key.pem);
    assert.deepEqual(opened.registry, { server: 'ghcr.io', username: 'acme-bot', password });
  });

  it('a sealed value moved to another service does not open', async () => {
    await t.db.pool.query("UPDATE service_credentials SET registry_username = 'someone-else'");
    const svc = await t.db.pool.query<{ id: string }>("SELECT id FROM services WHERE name = 'api'");
    await assert.rejects(new SourceCredentials(t.ctx.secrets).open(t.ctx.database.db, svc.rows[0]!.id), 'the password is bound to its username');
    await t.db.pool.query("UPDATE service_credentials SET registry_username = 'acme-bot'");
  });

  it('a bad key is refused with 400 naming body/deployKey, and nothing changes', async () => {
    for (const bad of ['not a key', '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----', `${key.pem}\0`, opensshKey('aes256-ctr'), '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----', 'x'.repeat(17000)]) {
      const res = await owner.put(URL_, { deployKey: bad });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.ok(res.body.issues.some((i: { path: string }) => i.path === 'body/deployKey'), JSON.stringify(res.body.issues));
      assert.ok(!JSON.stringify(res.body).includes(key.body.slice(0, 24)), 'the error does not echo the key');
    }
    const bad = await owner.put(URL_, { registry: { server: 'https://ghcr.io/', username: 'a b', password: 'p\0' } });
    assert.equal(bad.status, 400);
    const paths = bad.body.issues.map((i: { path: string }) => i.path);
    for (const p of ['body/registry/server', 'body/registry/username', 'body/registry/password']) assert.ok(paths.includes(p), `${p} in ${paths}`);
    assert.equal((await owner.get(URL_)).body.deployKey.set, true);
  });

  it('a member cannot change them (403); another organisation sees nothing (404)', async () => {
    assert.equal((await member.put(URL_, { deployKey: null })).status, 403);
    assert.equal((await outsider.get(URL_)).status, 404);
    assert.equal((await outsider.put(URL_, { deployKey: null })).status, 404);
    assert.equal((await owner.get(URL_)).body.deployKey.set, true);
  });

  it('absent keeps, null clears; clearing both removes the row', async () => {
    const keep = await owner.put(URL_, { deployKey: null });
    assert.equal(keep.status, 200);
    assert.equal(keep.body.deployKey.set, false);
    assert.equal(keep.body.registry.passwordSet, true, 'registry absent → kept');
    const cleared = await owner.put(URL_, { registry: null });
    assert.deepEqual(cleared.body, { deployKey: { set: false, updatedAt: null }, registry: { server: null, username: null, passwordSet: false }, updatedAt: null });
    assert.equal((await t.db.pool.query('SELECT * FROM service_credentials')).rowCount, 0);
    const again = await owner.put(URL_, { deployKey: opensshKey('none') });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.deployKey.set, true);
  });
});

describe('credentials helpers', () => {
  it('deploy keys are normalised to LF with a final newline', () => {
    const { pem } = pkcs8Key();
    assert.equal(deployKeySchema.parse(`\r\n${pem.trim().replace(/\n/g, '\r\n')}`), pem);
    assert.ok(credentialsInputSchema.safeParse({}).success, 'an empty body keeps everything');
  });

  it('X-Registry-Auth is base64url JSON of username, password and server address', () => {
    // Chosen so the standard alphabet would produce + and /.
    const auth = { username: 'u', password: '>>>???~~~', serveraddress: 'ghcr.io' };
    const header = registryAuthHeader(auth);
    assert.match(header, /^[A-Za-z0-9_-]+=*$/);
    assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString('utf8')), auth);
  });

  it('registry credentials go only to the registry of the image', () => {
    assert.equal(imageRegistry('nginx:1.27'), 'docker.io');
    assert.equal(imageRegistry('acme/api'), 'docker.io');
    assert.equal(imageRegistry('ghcr.io/acme/api:1'), 'ghcr.io');
    assert.equal(imageRegistry('localhost:5000/x'), 'localhost:5000');
    assert.ok(credentialsApply('ghcr.io', 'ghcr.io/acme/api:1'));
    assert.ok(credentialsApply('index.docker.io', 'acme/api'));
    assert.ok(!credentialsApply('ghcr.io', 'evil.example.com/ghcr.io/x'));
    assert.ok(!credentialsApply('registry.example.com', 'registry.example.com:5000/x'));
  });
});
