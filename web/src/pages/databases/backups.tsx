// The backups tab: "back up now" to one of the organisation's destinations; the list with size,
// SHA-256 (short), verification result and duration, status; "verify again"; and restore — into this
// database (a typed confirmation; a safety backup of its current data is taken first) or into a new
// database of the same engine. The list polls while a backup or a restore is still working.
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api } from '../../api/client';
import { invalidate, useGet } from '../../lib/data';
import { FormError, SelectField, Submit, TextField, useAction } from '../../ui/form';
import { Empty, LoadError, Loading } from '../../ui/layout';
import { RelativeTime } from '../../ui/time';
import { duration } from '../services/state';
import { backupsUrl, bytes, databaseUrl, envUrl, servicePath, StatusBadge, transient, usePoll, type Backup, type Database, type DatabaseProps } from './shared';
import { TableHead } from '../../ui/table';

export default function Backups(p: DatabaseProps & { db: Database }) {
  const list = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backups', { path: servicePath(p) });
  const [restoring, setRestoring] = useState<Backup | null>(null);
  const [restoreId, setRestoreId] = useState<string | null>(null);
  usePoll((list.data ?? []).some((b) => transient(b.status) || (b.verification.status === 'pending' && b.status !== 'failed')), list.reload);

  return (
    <div className="stack">
      <BackUpNow {...p} onDone={list.reload} />
      {restoreId && <RestoreStatus {...p} id={restoreId} onDone={list.reload} />}
      {restoring && (
        <RestoreForm
          {...p}
          backup={restoring}
          onCancel={() => setRestoring(null)}
          onStarted={(id) => {
            setRestoring(null);
            setRestoreId(id);
          }}
        />
      )}
      <section className="card stack" aria-labelledby="backups-title">
        <h2 id="backups-title">Backups</h2>
        {list.error ? (
          <LoadError error={list.error} retry={list.reload} />
        ) : !list.data ? (
          <Loading label="Loading backups" />
        ) : list.data.length === 0 ? (
          <Empty>No backups yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table backups" data-testid="backup-list">
              <TableHead cols={['Taken', 'Status', 'Size', 'SHA-256', 'Verification', 'Destination']} actions />
              <tbody>
                {list.data.map((b) => (
                  <BackupRow key={b.id} p={p} b={b} onRestore={() => setRestoring(b)} onChanged={list.reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function BackupRow({ p, b, onRestore, onChanged }: { p: DatabaseProps; b: Backup; onRestore: () => void; onChanged: () => void }) {
  const verify = useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backups/{id}/verify', { path: { ...servicePath(p), id: b.id } }), {
    success: 'Verifying the backup again',
    toastErrors: true,
    onDone: onChanged,
  });
  const v = b.verification;
  const stored = b.status === 'succeeded' && !b.objectDeletedAt;
  return (
    <tr data-backup={b.id} data-status={b.status} data-verification={v.status}>
      <td>
        <RelativeTime value={b.createdAt} />
        <span className="muted small block">{b.trigger}</span>
      </td>
      <td>
        <StatusBadge status={b.status} />
        {b.error && <span className="field-error block">{b.error}</span>}
      </td>
      <td>{bytes(b.sizeBytes)}</td>
      <td className="mono" title={b.sha256 ?? undefined}>
        {b.sha256 ? b.sha256.slice(0, 12) : '—'}
      </td>
      <td>
        <StatusBadge status={v.status} label={v.status === 'passed' ? 'verified' : v.status} />
        {v.durationMs !== null && <span className="muted small block">in {duration(v.durationMs)}</span>}
      </td>
      <td>{b.destination}</td>
      <td className="actions">
        <div className="row wrap">
          <button type="button" className="button" onClick={() => void verify.run()} disabled={!stored || verify.pending || v.status === 'pending'}>
            Verify again
          </button>
          <button type="button" className="button" onClick={onRestore} disabled={!stored || v.status !== 'passed'} title={v.status !== 'passed' ? 'only a verified backup can be restored' : undefined}>
            Restore…
          </button>
        </div>
      </td>
    </tr>
  );
}

function BackUpNow(p: DatabaseProps & { onDone: () => void }) {
  const dests = useGet('/api/orgs/{org}/backup-destinations', { path: { org: p.org } });
  const [destination, setDestination] = useState('');
  const chosen = destination || dests.data?.[0]?.name || '';
  const run = useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backups', { path: servicePath(p), body: { destination: chosen, kind: 'database', stopService: false } }), {
    success: 'Backup started',
    onDone: () => {
      invalidate(backupsUrl(p));
      p.onDone();
    },
  });
  if (dests.error) return <LoadError error={dests.error} retry={dests.reload} />;
  if (!dests.data) return <Loading label="Loading destinations" />;
  if (dests.data.length === 0)
    return (
      <p className="notice">
        No backup destination yet. <Link href={`~/orgs/${p.org}/backup-destinations`}>Add an S3-compatible destination</Link> to back this database up.
      </p>
    );
  return (
    <form className="card stack" aria-label="Back up now" onSubmit={run.submit(() => undefined)}>
      <h2>Back up now</h2>
      <p className="muted">A dump is streamed to the destination, then verified by restoring it into a throwaway container.</p>
      <div className="form-grid">
        <SelectField label="Destination" name="destination" value={chosen} onChange={setDestination} options={dests.data.map((d) => ({ value: d.name, label: `${d.name} (${d.bucket})` }))} error={run.fieldError('destination')} />
      </div>
      <FormError action={run} fields={['destination']} />
      <div className="row">
        <Submit pending={run.pending}>Back up now</Submit>
      </div>
    </form>
  );
}

function RestoreForm(p: DatabaseProps & { backup: Backup; onCancel: () => void; onStarted: (id: string) => void }) {
  const [, navigate] = useLocation();
  const [into, setInto] = useState<'this' | 'new'>('this');
  const [typed, setTyped] = useState('');
  const [service, setService] = useState('');
  const restore = useAction(
    () =>
      api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backups/{id}/restore', {
        path: { ...servicePath(p), id: p.backup.id },
        body: into === 'new' ? { target: { project: p.project, environment: p.env, service: service.trim(), create: true } } : {},
      }),
    {
      success: into === 'new' ? `Restoring into the new database ${service.trim()}` : 'Restore started',
      onDone: (r) => {
        invalidate(envUrl(p));
        if (into === 'new') navigate(`~/orgs/${p.org}/projects/${p.project}/env/${p.env}/databases/${service.trim()}`);
        else p.onStarted(r.id);
      },
    },
  );
  const ready = into === 'new' ? service.trim() !== '' : typed === p.database;
  return (
    <form className="card stack danger-card" aria-label="Restore a backup" onSubmit={restore.submit(() => undefined)}>
      <h2>Restore the backup of {new Date(p.backup.createdAt).toLocaleString()}</h2>
      <fieldset className="source-picker">
        <legend>Restore into</legend>
        <label className={into === 'this' ? 'source-option selected' : 'source-option'}>
          <input type="radio" name="into" value="this" checked={into === 'this'} onChange={() => setInto('this')} />
          <span>
            <strong>This database ({p.database})</strong>
            <span className="muted small">Replaces its data. A safety backup of the current data is taken first.</span>
          </span>
        </label>
        <label className={into === 'new' ? 'source-option selected' : 'source-option'}>
          <input type="radio" name="into" value="new" checked={into === 'new'} onChange={() => setInto('new')} />
          <span>
            <strong>A new database</strong>
            <span className="muted small">Created with the backup’s engine and version in {p.env}.</span>
          </span>
        </label>
      </fieldset>
      {into === 'this' ? (
        <>
          <p className="notice">The database stops while its data is replaced. A safety backup of its current data is taken first, so this restore can be undone.</p>
          <TextField label={`Type ${p.database} to confirm`} name="confirm" value={typed} onChange={setTyped} autoComplete="off" spellCheck={false} />
        </>
      ) : (
        <TextField label="New database name" name="service" value={service} onChange={setService} error={restore.fieldError('service') ?? restore.fieldError('target') ?? restore.fieldError('create')} autoComplete="off" spellCheck={false} />
      )}
      <FormError action={restore} fields={['service', 'target', 'create']} />
      <div className="row">
        <button type="submit" className="button danger" disabled={!ready || restore.pending} aria-busy={restore.pending || undefined}>
          Restore
        </button>
        <button type="button" className="button" onClick={p.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RestoreStatus(p: DatabaseProps & { id: string; onDone: () => void }) {
  const r = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/restores/{id}', { path: { ...servicePath(p), id: p.id } });
  usePoll(!r.data || transient(r.data.status), () => {
    r.reload();
    invalidate(databaseUrl(p));
    p.onDone();
  });
  if (r.error) return <LoadError error={r.error} retry={r.reload} />;
  if (!r.data) return <Loading label="Loading the restore" />;
  return (
    <section className="card stack" aria-labelledby="restore-title" data-testid="restore-status" data-status={r.data.status}>
      <h2 id="restore-title">Restore</h2>
      <p className="row wrap">
        <StatusBadge status={r.data.status} />
        {r.data.safetyBackupId && <span className="muted">a safety backup of the previous data was taken first (listed below)</span>}
      </p>
      {r.data.error && (
        <p className="form-error" role="alert">
          {r.data.error}
        </p>
      )}
    </section>
  );
}
