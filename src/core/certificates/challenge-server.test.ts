// The HTTP-01 responder: answers unexpired tokens from the database, 404 for anything else.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { testDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { publishChallenge, startChallengeServer, withdrawChallenge } from './challenge-server.ts';

describe('challenge server', () => {
  let t: TestDatabase;
  let server: Server;
  let base: string;
  before(async () => {
    t = await testDatabase();
    server = await startChallengeServer(t.db, '127.0.0.1', 0);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/acme-challenge/`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.drop();
  });

  it('answers a published token until it is withdrawn or expires', async () => {
    await publishChallenge(t.db, 'tok-1', 'tok-1.thumbprint');
    const res = await fetch(`${base}tok-1`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'tok-1.thumbprint');
    await withdrawChallenge(t.db, 'tok-1');
    assert.equal((await fetch(`${base}tok-1`)).status, 404);
    await publishChallenge(t.db, 'tok-2', 'x', -1000);
    assert.equal((await fetch(`${base}tok-2`)).status, 404);
  });

  it('answers 404 outside the challenge path and for odd tokens', async () => {
    assert.equal((await fetch(base.replace('/.well-known/acme-challenge/', '/other'))).status, 404);
    assert.equal((await fetch(`${base}a%27b`)).status, 404);
  });
});
