// Relative time text ("3 minutes ago", "in 2 hours"), pure: used by <RelativeTime> (ui/time.tsx).
const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function relative(date: Date, from: number): string {
  const s = Math.round((date.getTime() - from) / 1000);
  const a = Math.abs(s);
  if (a < 10) return 'just now';
  if (a < 60) return rtf.format(s, 'second');
  if (a < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (a < 86400 * 30) return rtf.format(Math.round(s / 86400), 'day');
  if (a < 86400 * 365) return rtf.format(Math.round(s / (86400 * 30)), 'month');
  return rtf.format(Math.round(s / (86400 * 365)), 'year');
}
