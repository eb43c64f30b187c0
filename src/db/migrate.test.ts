// Migrations: applied once, in order, idempotent; refused against a newer schema; and the Drizzle
// schema (what the code reads and writes) matches what the SQL files create.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getTableColumns, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { connectDatabase, type Database } from './client.ts';
import { listMigrations, migrate, SchemaTooNew } from './migrate.ts';
import * as schema from './schema/index.ts';
import { emptyDatabase } from '../../test/support/db.ts';

describe('migrations', () => {
  let empty: Awaited<ReturnType<typeof emptyDatabase>>;
  let db: Database;
  before(async () => {
    empty = await emptyDatabase();
    db = connectDatabase(empty.url, { max: 3 });
  });
  after(async () => {
    await db.close();
    await empty.drop();
  });

  it('applies every migration in order, then nothing the second time', async () => {
    const all = listMigrations().map((m) => m.version);
    assert.deepEqual(all, [...all].sort((a, b) => a - b));
    assert.deepEqual(await migrate(db.pool), all);
    assert.deepEqual(await migrate(db.pool), []);
  });

  it('two replicas booting at once apply each migration exactly once', async () => {
    const other = await emptyDatabase();
    const a = connectDatabase(other.url, { max: 2 });
    const b = connectDatabase(other.url, { max: 2 });
    const [ra, rb] = await Promise.all([migrate(a.pool), migrate(b.pool)]);
    assert.equal(ra.length + rb.length, listMigrations().length);
    await a.close();
    await b.close();
    await other.drop();
  });

  it('refuses to run against a schema newer than it knows', async () => {
    await db.pool.query("INSERT INTO berth_migrations (version, name) VALUES (9999, '9999_from_the_future')");
    await assert.rejects(migrate(db.pool), (err: Error) => err instanceof SchemaTooNew && /version 9999/.test(err.message));
    await db.pool.query('DELETE FROM berth_migrations WHERE version = 9999');
  });

  it('every table and column the Drizzle schema declares exists in the migrated database', async () => {
    const { rows } = await db.pool.query<{ t: string; c: string }>(
      "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public'",
    );
    const have = new Set(rows.map((r) => `${r.t}.${r.c}`));
    let checked = 0;
    for (const table of Object.values(schema)) {
      if (!is(table, PgTable)) continue;
      for (const col of Object.values(getTableColumns(table))) {
        assert.ok(have.has(`${getTableName(table)}.${col.name}`), `${getTableName(table)}.${col.name} exists`);
        checked++;
      }
    }
    assert.ok(checked > 50, `checked ${checked} columns`);
  });
});
