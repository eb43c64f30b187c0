// The Markdown table of every setting, generated from SETTINGS so the README cannot drift from the code.
import { SETTINGS } from './config.ts';

function defaultOf(schema: { safeParse(v: undefined): { success: boolean; data?: unknown } }): string {
  const r = schema.safeParse(undefined);
  if (!r.success || r.data === undefined) return '—';
  return '`' + String(r.data) + '`';
}

export function settingsTable(): string {
  const rows = Object.entries(SETTINGS).map(([name, s]) => {
    const def = name === 'BERTH_DATA_DIR' ? 'see description' : defaultOf(s.schema);
    return `| \`${name}\` | ${def} | ${s.doc} |`;
  });
  return ['| Variable | Default | What it does |', '|---|---|---|', ...rows].join('\n');
}
