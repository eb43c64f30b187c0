// The embedded PostgreSQL: real server binaries from the npm package, run as a dedicated system user
// when Berth runs as root, data kept in the data directory, and a server left behind by a killed
// control plane adopted (not duplicated) on the next start.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { EmbeddedPostgres } from './embedded.ts';

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-embedded-'));
  const port = 5600 + Math.floor(Math.random() * 300);
  const first = new EmbeddedPostgres({ dataDir, port });
  after(async () => {
    await first.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('initialises and starts PostgreSQL 16 with a `berth` database, password auth on loopback', async () => {
    const url = await first.start();
    const { rows } = await query(url, "SELECT current_setting('server_version_num')::int AS v, current_database() AS db, current_setting('listen_addresses') AS l");
    assert.ok(rows[0].v >= 160000 && rows[0].v < 170000, `version ${rows[0].v}`);
    assert.equal(rows[0].db, 'berth');
    assert.equal(rows[0].l, '127.0.0.1');
    await assert.rejects(query(url.replace(/:[^:@/]+@/, ':wrong@'), 'SELECT 1'), /password authentication failed/);
    assert.equal(statSync(join(dataDir, 'postgres.password')).mode & 0o777, 0o600);
  });

  it('runs as a dedicated system user when started as root', { skip: process.getuid?.() !== 0 && 'not root' }, () => {
    const pid = Number(readFileSync(join(first.pgData, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    assert.notEqual(uid, 0);
    assert.equal(statSync(first.pgData).uid, uid, 'the data directory belongs to that user');
    assert.equal(statSync(first.pgData).mode & 0o777, 0o700);
  });

  it('a second instance on the same data directory adopts the running server (crash recovery)', async () => {
    const url = first.url;
    await query(url, 'CREATE TABLE IF NOT EXISTS survivor (x int); INSERT INTO survivor VALUES (42)');
    const pidBefore = readFileSync(join(first.pgData, 'postmaster.pid'), 'utf8').split('\n')[0];
    const second = new EmbeddedPostgres({ dataDir, port });
    await second.start();
    assert.equal(readFileSync(join(first.pgData, 'postmaster.pid'), 'utf8').split('\n')[0], pidBefore, 'same postmaster');
    assert.equal((await query(second.url, 'SELECT x FROM survivor')).rows[0].x, 42);
  });

  it('stops cleanly and keeps the data for the next start', async () => {
    await first.stop();
    await assert.rejects(query(first.url, 'SELECT 1'));
    const again = new EmbeddedPostgres({ dataDir, port });
    await again.start();
    assert.equal((await query(again.url, 'SELECT x FROM survivor')).rows[0].x, 42);
    await again.stop();
  });
});
