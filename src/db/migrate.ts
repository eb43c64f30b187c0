// Forward-only SQL migrations from db/migrations/NNNN_name.sql, applied in order at boot inside one
// transaction each, serialised across replicas by an advisory lock. Refuses to run against a database
// whose schema is newer than this build knows (a rolled-back upgrade must not corrupt data).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const LOCK_KEY = 0x62657274; // "bert"
const MIN_SERVER_VERSION = 150000;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class SchemaTooNew extends Error {}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.replace(/\.sql$/, ''), sql: readFileSync(dir + f, 'utf8') }));
}

/** Applies pending migrations; returns the versions applied. */
export async function migrate(pool: pg.Pool, migrations = listMigrations()): Promise<number[]> {
  const client = await pool.connect();
  try {
    const { rows: ver } = await client.query<{ v: string }>('SHOW server_version_num');
    if (Number(ver[0]?.v) < MIN_SERVER_VERSION) {
      throw new Error(`PostgreSQL ${ver[0]?.v} is too old: Berth needs 15 or newer (16 recommended)`);
    }
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS berth_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM berth_migrations ORDER BY version');
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(0, ...migrations.map((m) => m.version));
    const tooNew = rows.filter((r) => r.version > newest);
    if (tooNew.length > 0) {
      throw new SchemaTooNew(
        `the database schema is at version ${Math.max(...tooNew.map((r) => r.version))} but this Berth knows only up to ${newest}: refusing to start (upgrade Berth instead)`,
      );
    }
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO berth_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      done.push(m.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
}
