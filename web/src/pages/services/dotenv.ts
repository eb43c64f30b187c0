// Pure helpers of the environment tab: parse a pasted .env file, and the difference a save would make.
// (No DOM, no React: unit-tested in test/browser/dotenv.test.ts.)

export interface EnvEntry {
  key: string;
  /** null = a secret whose value is not known to the page (kept as is when saved). */
  value: string | null;
  secret: boolean;
}

/** KEY=value lines; `export`, comments, blank lines and surrounding quotes handled like dotenv. */
export function parseDotEnv(text: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out.push({ key: m[1]!, value });
  }
  return out;
}

export interface Change {
  key: string;
  kind: 'added' | 'removed' | 'changed';
  detail: string;
}

/** What saving `after` would change, for the review step; a secret's value is never part of it. */
export function diffEnv(before: EnvEntry[], after: EnvEntry[]): Change[] {
  const old = new Map(before.map((v) => [v.key, v]));
  const changes: Change[] = [];
  const seen = new Set<string>();
  for (const r of after) {
    if (!r.key) continue;
    seen.add(r.key);
    const o = old.get(r.key);
    const shown = (secret: boolean, v: string | null) => (secret ? 'hidden value' : JSON.stringify(v ?? ''));
    if (!o) changes.push({ key: r.key, kind: 'added', detail: `${r.secret ? 'secret, ' : ''}${shown(r.secret, r.value)}` });
    else if (o.secret !== r.secret) changes.push({ key: r.key, kind: 'changed', detail: r.secret ? 'now secret' : 'no longer secret' });
    else if (r.value !== null && r.value !== o.value) changes.push({ key: r.key, kind: 'changed', detail: r.secret ? 'new secret value' : `${shown(false, o.value)} → ${shown(false, r.value)}` });
  }
  for (const o of before) if (!seen.has(o.key)) changes.push({ key: o.key, kind: 'removed', detail: '' });
  return changes;
}

