// Exact snapshots for planners and renderers: test/snapshots/<name>.json. A missing snapshot is written
// (and the test fails, so a new snapshot is always reviewed in the diff); UPDATE_SNAPSHOTS=1 rewrites.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'snapshots');

export function matchSnapshot(name: string, value: unknown): void {
  const file = join(DIR, `${name}.json`);
  const text = JSON.stringify(value, null, 2) + '\n';
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(file)) {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(file, text);
    if (process.env.UPDATE_SNAPSHOTS !== '1') assert.fail(`snapshot ${name} was missing and has been written: review and commit ${file}`);
    return;
  }
  assert.equal(text, readFileSync(file, 'utf8'), `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 to accept)`);
}
