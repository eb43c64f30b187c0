// Secrets at rest: a database dump holds no plaintext secret — not a password, session, API key,
// setup token or secret environment variable — and sealed values only open with the master key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SecretBox } from '../infra/crypto/secretbox.ts';
import { testApp, type TestApp } from '../../test/support/app.ts';
import { Client, PASSWORD, setupOwner } from '../../test/support/client.ts';
import { dumpDatabase } from '../../test/support/dump.ts';

describe('secrets at rest', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  it('a database dump contains none of the secrets that went in', async () => {
    const setupToken = t.setupToken;
    const owner = await setupOwner(t.api, setupToken);
    const sessionToken = owner.cookies.get('berth_session')!;
    const key = (await owner.post('/api/me/api-keys', { name: 'cli' })).body.key as string;
    await owner.post('/api/orgs/acme/projects', { name: 'web' });
    const secretValue = 'sk_live_' + randomBytes(12).toString('hex');
    const res = await owner.post('/api/orgs/acme/projects/web/environments/production/services', {
      name: 'api',
      kind: 'app',
      env: [{ key: 'STRIPE_KEY', value: secretValue, secret: true }, { key: 'PUBLIC_URL', value: 'https://shop.example.com' }],
    });
    assert.equal(res.status, 201);
    const { text, via } = await dumpDatabase(t.db.pool, t.db.url);
    assert.ok(text.includes('https://shop.example.com'), `the dump (${via}) holds the data: plain values are there`);
    assert.ok(text.includes('STRIPE_KEY'));
    for (const [what, secret] of Object.entries({ password: PASSWORD, sessionToken, apiKey: key, setupToken, secretValue, csrf: owner.csrf! })) {
      assert.ok(!text.includes(secret), `the dump (${via}) must not contain the ${what}`);
    }
    assert.ok(text.includes('$argon2id$'), 'passwords are argon2id hashes');
  });

  it('sealed values are bound to their row and need the master key', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('hello', 'env:svc1:A');
    assert.notEqual(sealed, 'hello');
    assert.equal(box.open(sealed, 'env:svc1:A'), 'hello');
    assert.throws(() => box.open(sealed, 'env:svc2:A'), 'moved to another row → refused');
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, 'env:svc1:A'), 'another key → refused');
    assert.notEqual(box.seal('hello'), box.seal('hello'), 'a fresh IV every time');
  });

  it('the setup token file is gone after setup and a login still works', async () => {
    const c = new Client(t.api);
    assert.equal((await c.post('/api/auth/login', { login: 'alice', password: PASSWORD })).status, 200);
  });
});
