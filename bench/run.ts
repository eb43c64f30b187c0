// `npm run bench`: figures for the closing notes, written to bench/results/<name>.json. Speed and memory
// targets live here, never in timed unit tests. Runs against the compiled build (npm run build first).
import { backupBench } from './backup.ts';
import { dashboardBench } from './dashboard.ts';
import { deployBench } from './deploy.ts';
import { foundationBench } from './foundation.ts';
import { httpsBench } from './https.ts';

const which = process.argv[2] ?? 'all';
const benches: Record<string, () => Promise<void>> = { foundation: foundationBench, deploy: deployBench, backup: backupBench, https: httpsBench, dashboard: dashboardBench };
for (const [name, run] of Object.entries(benches)) {
  if (which !== 'all' && which !== name) continue;
  await run();
}
