// Prints the README's settings table from config.ts (`node --import tsx scripts/settings-table.ts`).
// src/config/config.test.ts fails when the README's table differs from this output.
import { settingsTable } from '../src/config/settings-table.ts';

process.stdout.write(settingsTable() + '\n');
