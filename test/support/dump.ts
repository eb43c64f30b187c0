// A full dump of a test database as text: pg_dump when the client can dump this server's version
// (Debian's 15 against Debian's 15), else every table COPYed out (the embedded server is 16).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type pg from 'pg';

const run = promisify(execFile);

async function pgDumpMajor(): Promise<number | undefined> {
  try {
    const { stdout } = await run('pg_dump', ['--version']);
    return Number(/(\d+)\.\d+/.exec(stdout)?.[1]);
  } catch {
    return undefined;
  }
}

export async function dumpDatabase(pool: pg.Pool, url: string): Promise<{ text: string; via: 'pg_dump' | 'copy' }> {
  const { rows } = await pool.query<{ v: string }>('SHOW server_version_num');
  const serverMajor = Math.floor(Number(rows[0]!.v) / 10000);
  const client = await pgDumpMajor();
  if (client && client >= serverMajor) {
    const u = new URL(url);
    const { stdout } = await run('pg_dump', ['--no-owner', '-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username), decodeURIComponent(u.pathname.slice(1))], {
      env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) },
      maxBuffer: 256 * 1024 * 1024,
    });
    return { text: stdout, via: 'pg_dump' };
  }
  const tables = await pool.query<{ t: string }>("SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  let text = '';
  for (const { t } of tables.rows) {
    const r = await pool.query(`SELECT row_to_json(x)::text AS j FROM ${t} x`);
    text += `-- ${t}\n` + r.rows.map((x: { j: string }) => x.j).join('\n') + '\n';
  }
  return { text, via: 'copy' };
}
