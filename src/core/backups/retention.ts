// Retention of a schedule's backups: keep the newest `keepCount` good backups and none older than
// `keepDays`, but never the last good one (a schedule that keeps failing must not age every good
// backup away). Failed backups are removed once a newer backup exists. Pure: the caller deletes the
// objects and marks the rows.
export interface RetentionPolicy {
  keepCount?: number | null;
  keepDays?: number | null;
}

export interface RetentionCandidate {
  id: string;
  status: 'succeeded' | 'failed';
  createdAt: Date;
}

const DAY_MS = 86_400_000;

/** Ids of the backups whose objects go (finished backups with an object only). */
export function planRetention(backups: readonly RetentionCandidate[], policy: RetentionPolicy, now: Date): string[] {
  const newestFirst = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const good = newestFirst.filter((b) => b.status === 'succeeded');
  const drop = new Set<string>();
  good.forEach((b, index) => {
    if (index === 0) return;
    if (policy.keepCount && index >= policy.keepCount) drop.add(b.id);
    if (policy.keepDays && now.getTime() - b.createdAt.getTime() > policy.keepDays * DAY_MS) drop.add(b.id);
  });
  const newest = newestFirst[0];
  for (const b of newestFirst) if (b.status === 'failed' && b !== newest) drop.add(b.id);
  return newestFirst.filter((b) => drop.has(b.id)).map((b) => b.id);
}
