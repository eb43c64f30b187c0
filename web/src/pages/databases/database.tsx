// The database page: a header with its status, and tabs — overview (status, connection strings with the
// password masked, reveal credentials on demand, the API's warnings), logs, backups, schedules,
// settings and the danger zone. Mounted with `nest` at …/env/:env/databases/:database, so tab routes
// are relative ("/backups"). Polls while a job works on it (creating, updating, deleting).
import { lazy, Suspense, useState } from 'react';
import { Route, Switch } from 'wouter';
import { api, type Response } from '../../api/client';
import { useGet } from '../../lib/data';
import { CopyButton } from '../../ui/copy';
import { FormError, useAction } from '../../ui/form';
import { LoadError, Loading } from '../../ui/layout';
import { ResourceHeader } from '../../components/resource-header';
import { RelativeTime } from '../../ui/time';
import { databasePath, engineLabel, StatusBadge, transient, usePoll, type Database, type DatabaseProps } from './shared';
import '../services/services.css';
import './databases.css';

const Logs = lazy(() => import('./logs'));
const Backups = lazy(() => import('./backups'));
const Schedules = lazy(() => import('./schedules'));
const Settings = lazy(() => import('./settings'));
const Danger = lazy(() => import('./danger'));

const TABS = [
  { path: '', label: 'Overview' },
  { path: '/logs', label: 'Logs' },
  { path: '/backups', label: 'Backups' },
  { path: '/schedules', label: 'Schedules' },
  { path: '/settings', label: 'Settings' },
  { path: '/danger', label: 'Danger zone' },
];

export default function DatabasePage(p: DatabaseProps) {
  const db = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/databases/{database}', { path: databasePath(p) });
  usePoll(transient(db.data?.status), db.reload);
  if (db.error) return <LoadError error={db.error} retry={db.reload} />;
  return (
    <div className="stack">
      <ResourceHeader org={p.org} project={p.project} env={p.env} name={p.database} badge={db.data && <StatusBadge status={db.data.status} />} tabs={TABS} tabsLabel="Database" />
      {!db.data ? (
        <Loading />
      ) : (
        <Suspense fallback={<Loading />}>
          <Switch>
            <Route path="/logs">
              <Logs {...p} />
            </Route>
            <Route path="/backups">
              <Backups {...p} db={db.data} />
            </Route>
            <Route path="/schedules">
              <Schedules {...p} />
            </Route>
            <Route path="/settings">
              <Settings {...p} db={db.data} />
            </Route>
            <Route path="/danger">
              <Danger {...p} db={db.data} />
            </Route>
            <Route>
              <Overview {...p} db={db.data} />
            </Route>
          </Switch>
        </Suspense>
      )}
    </div>
  );
}

type Credentials = Response<'/api/orgs/{org}/projects/{project}/environments/{env}/databases/{database}/credentials', 'post'>;

function Overview(p: DatabaseProps & { db: Database }) {
  const d = p.db;
  const [creds, setCreds] = useState<Credentials | null>(null);
  const reveal = useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/databases/{database}/credentials', { path: databasePath(p) }), {
    onDone: setCreds,
  });
  return (
    <div className="stack">
      {d.warnings.length > 0 && (
        <ul className="db-warnings" aria-label="Warnings" data-testid="database-warnings">
          {d.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <div className="db-overview">
        <section className="card stack" aria-labelledby="db-status">
          <h2 id="db-status">Status</h2>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={d.status} />
            </dd>
            <dt>Replicas</dt>
            <dd data-testid="replicas">{d.replicas ? `${d.replicas.running}/${d.replicas.desired} running` : '—'}</dd>
            <dt>Engine</dt>
            <dd>
              {engineLabel(d.engine)} {d.version}
            </dd>
            <dt>Resources</dt>
            <dd>
              {d.resources.memoryMb ? `${d.resources.memoryMb} MB` : 'no memory limit'} · {d.resources.cpus ? `${d.resources.cpus} CPU` : 'no CPU limit'}
            </dd>
            <dt>Updated</dt>
            <dd>
              <RelativeTime value={d.updatedAt as unknown as string} />
            </dd>
          </dl>
          {d.lastError && (
            <p className="form-error" role="alert">
              {d.lastError}
            </p>
          )}
        </section>
        <section className="card stack" aria-labelledby="db-connect">
          <h2 id="db-connect">Connection</h2>
          <dl className="facts">
            <dt>Internal</dt>
            <dd className="mono" data-testid="internal-url">
              {creds ? creds.internalUrl : d.internal.url}
            </dd>
            <dt>Host</dt>
            <dd className="mono">
              {d.internal.alias}:{d.internal.port}
            </dd>
            <dt>External</dt>
            <dd className="mono" data-testid="external-url">
              {d.external ? creds?.externalUrl ?? d.external.url : <span className="muted">not published (project network only)</span>}
            </dd>
          </dl>
          {creds ? (
            <div className="stack" data-testid="credentials">
              <dl className="facts">
                <dt>User</dt>
                <dd className="mono">{creds.user}</dd>
                <dt>Password</dt>
                <dd className="mono" data-testid="password">
                  {creds.password}
                </dd>
                <dt>Database</dt>
                <dd className="mono">{creds.database}</dd>
              </dl>
              <div className="row wrap">
                <CopyButton text={creds.internalUrl} label="Copy internal URL" />
                <button type="button" className="button subtle" onClick={() => setCreds(null)}>
                  Hide credentials
                </button>
              </div>
            </div>
          ) : (
            <div className="row wrap">
              <button type="button" className="button" onClick={() => void reveal.run()} disabled={reveal.pending} aria-busy={reveal.pending || undefined}>
                Reveal credentials
              </button>
              <span className="muted small">Revealing is recorded in the audit log.</span>
            </div>
          )}
          <FormError action={reveal} />
        </section>
      </div>
    </div>
  );
}
