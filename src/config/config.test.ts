// Configuration: one zod schema, bad values named by variable, the README's table generated from it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';
import { settingsTable } from './settings-table.ts';

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    assert.equal(c.BERTH_PORT, 3000);
    assert.equal(c.DATABASE_URL, undefined);
    assert.equal(c.BERTH_JOB_CONCURRENCY, 2);
  });

  it('names every bad variable', () => {
    assert.throws(
      () => loadConfig({ BERTH_PORT: 'eighty', DATABASE_URL: 'mysql://x', BERTH_MASTER_KEY: 'short' }),
      (err: Error) => err instanceof ConfigError && /BERTH_PORT/.test(err.message) && /DATABASE_URL/.test(err.message) && /BERTH_MASTER_KEY/.test(err.message),
    );
    assert.throws(() => loadConfig({ BERTH_LOG_LEVEL: 'loud' }), /BERTH_LOG_LEVEL/);
  });

  it('reads an optional JSON file; the environment wins; unknown keys are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-cfg-'));
    const file = join(dir, 'berth.json');
    writeFileSync(file, JSON.stringify({ BERTH_PORT: 4000, BERTH_JOB_CONCURRENCY: 4 }));
    const c = loadConfig({ BERTH_CONFIG_FILE: file, BERTH_JOB_CONCURRENCY: '6' });
    assert.equal(c.BERTH_PORT, 4000);
    assert.equal(c.BERTH_JOB_CONCURRENCY, 6);
    writeFileSync(file, JSON.stringify({ BERTH_PROT: 1 }));
    assert.throws(() => loadConfig({ BERTH_CONFIG_FILE: file }), /BERTH_PROT: unknown setting/);
    writeFileSync(file, '{nope');
    assert.throws(() => loadConfig({ BERTH_CONFIG_FILE: file }), /BERTH_CONFIG_FILE/);
  });

  it("the README's settings table is the generated one", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes(settingsTable()), 'README.md settings table is stale: run node --import tsx scripts/settings-table.ts');
  });
});
