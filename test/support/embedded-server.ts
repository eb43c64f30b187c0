// Starts (or adopts) the embedded PostgreSQL the test suite uses, through Berth's own module, and
// prints its admin URL. `stop` stops it. Used by scripts/test.sh.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { EmbeddedPostgres } from '../../src/infra/postgres/embedded.ts';

const dataDir = resolve(process.env.BERTH_TEST_EMBEDDED_DIR ?? '.cache/test-embedded-pg');
// A port per checkout (derived from its path), so two clones on one machine never collide.
const derived = 5440 + (parseInt(createHash('sha256').update(dataDir).digest('hex').slice(0, 6), 16) % 400);
const pg = new EmbeddedPostgres({ dataDir, port: Number(process.env.BERTH_TEST_EMBEDDED_PORT ?? derived) });
if (process.argv[2] === 'stop') {
  await pg.stop();
} else {
  const url = await pg.start();
  process.stdout.write(url.replace(/\/berth$/, '/postgres') + '\n');
}
