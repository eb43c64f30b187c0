// The proxy's host directory: private, and its startup config written whole or not at all.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureProxyDir, readStartupConfig, writeStartupConfig } from './caddy-files.ts';

const roots: string[] = [];
after(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'berth-proxy-files-'));
  roots.push(root);
  return join(root, 'proxy');
}

describe('proxy directory', () => {
  it('is created 0700, and tightened when it exists', async () => {
    const dir = await freshDir();
    await ensureProxyDir(dir);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
  });

  it('writes the startup config atomically, 0600, and skips identical content', async () => {
    const dir = await freshDir();
    await ensureProxyDir(dir);
    assert.equal(await readStartupConfig(dir), undefined);
    assert.equal(await writeStartupConfig(dir, { admin: { listen: 'unix//run/caddy/admin.sock' } }), 'written');
    assert.equal(await writeStartupConfig(dir, { admin: { listen: 'unix//run/caddy/admin.sock' } }), 'unchanged');
    assert.equal(await writeStartupConfig(dir, { admin: { listen: 'unix//run/caddy/other.sock' } }), 'written');
    assert.deepEqual(JSON.parse((await readStartupConfig(dir)) ?? ''), { admin: { listen: 'unix//run/caddy/other.sock' } });
    assert.equal((await stat(join(dir, 'caddy.json'))).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['caddy.json'], 'no temporary file left behind');
  });
});
