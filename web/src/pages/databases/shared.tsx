// What the database pages share: the API paths of one database, its types, the engine table the
// "New database" form offers (mirrors src/core/databases/engines.ts; the API checks the version and
// names the field when it is refused), and how a database status and a byte size read.
import { useEffect } from 'react';
import type { Response } from '../../api/client';

export interface DatabaseProps {
  org: string;
  project: string;
  env: string;
  database: string;
}

export type Database = Response<'/api/orgs/{org}/projects/{project}/environments/{env}/databases/{database}'>;
export type Backup = Response<'/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backups'>[number];
export type Schedule = Response<'/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backup-schedules'>[number];

export const databasePath = (p: DatabaseProps) => ({ org: p.org, project: p.project, env: p.env, database: p.database });
/** Backups and schedules address the database as a service of the environment. */
export const servicePath = (p: DatabaseProps) => ({ org: p.org, project: p.project, env: p.env, service: p.database });
export const envUrl = (p: { org: string; project: string; env: string }) => `/api/orgs/${p.org}/projects/${p.project}/environments/${p.env}`;
export const databaseUrl = (p: DatabaseProps) => `${envUrl(p)}/databases/${p.database}`;
/** Prefix of the backups, restores and schedules URLs (for invalidate). */
export const backupsUrl = (p: DatabaseProps) => `${envUrl(p)}/services/${p.database}/backup`;

export const ENGINES = [
  { value: 'postgres', label: 'PostgreSQL', versions: ['17', '16', '15', '14'], defaultVersion: '16' },
  { value: 'mysql', label: 'MySQL', versions: ['8.4', '8.0'], defaultVersion: '8.4' },
  { value: 'mariadb', label: 'MariaDB', versions: ['11', '10.11'], defaultVersion: '11' },
  { value: 'mongodb', label: 'MongoDB', versions: ['8', '7', '6'], defaultVersion: '7' },
  { value: 'redis', label: 'Redis', versions: ['7.2', '7', '6'], defaultVersion: '7' },
] as const;
export type EngineId = (typeof ENGINES)[number]['value'];

export const engineLabel = (id: string) => ENGINES.find((e) => e.value === id)?.label ?? id;

const TONE: Record<string, string> = {
  running: 'ok',
  creating: 'accent',
  updating: 'accent',
  deleting: 'warn',
  stopped: 'muted',
  failed: 'danger',
  // backups and restores
  queued: 'muted',
  verifying: 'accent',
  succeeded: 'ok',
  passed: 'ok',
  pending: 'muted',
  skipped: 'muted',
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`badge ${TONE[status] ?? ''}`} data-state={status}>
      {status === 'running' ? <span className="status-dot ok" aria-hidden="true" /> : null}
      {label ?? status}
    </span>
  );
}

/** A job is still working on it: the page polls until it settles. */
export const transient = (status: string | undefined) => status === 'creating' || status === 'updating' || status === 'deleting' || status === 'queued' || status === 'running' || status === 'verifying';

/** Calls `fn` every `ms` while `active`. */
export function usePoll(active: boolean, fn: () => void, ms = 1500): void {
  useEffect(() => {
    if (!active) return;
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
    // fn is a reload bound to a cache key: a new closure for the same key changes nothing.
  }, [active, ms]);
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
