// The danger zone: stop (its data stays) or start, restart, and delete — which asks for the database's
// name to be typed first and removes its volume (all data) by a job.
import { useState } from 'react';
import { useLocation } from 'wouter';
import { api } from '../../api/client';
import { invalidate } from '../../lib/data';
import { FormError, TextField, useAction } from '../../ui/form';
import { databasePath, databaseUrl, envUrl, type Database, type DatabaseProps } from './shared';

export default function DangerZone(p: DatabaseProps & { db: Database }) {
  const [, navigate] = useLocation();
  const [typed, setTyped] = useState('');
  const path = databasePath(p);
  const after = () => {
    invalidate(databaseUrl(p));
    invalidate(envUrl(p));
  };
  const stop = useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/databases/{database}/stop', { path }), { success: 'Stopping the database', onDone: after });
  const start = useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/databases/{database}/start', { path }), { success: 'Starting the database', onDone: after });
  const restart = useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/databases/{database}/restart', { path }), { success: 'Restarting the database', onDone: after });
  const remove = useAction(() => api.delete('/api/orgs/{org}/projects/{project}/environments/{env}/databases/{database}', { path }), {
    success: `Deleting ${p.database}`,
    onDone: () => {
      invalidate(envUrl(p));
      navigate(`~/orgs/${p.org}/projects/${p.project}/env/${p.env}`);
    },
  });
  const stopped = p.db.desiredState === 'stopped';
  return (
    <div className="stack">
      <section className="card stack danger-card" aria-labelledby="db-power">
        <h2 id="db-power">Stop, start, restart</h2>
        <p>Stopping keeps the data; other services cannot connect until it starts again. A restart stops the server before starting it (not zero-downtime).</p>
        <div className="row wrap">
          {stopped ? (
            <button type="button" className="button" onClick={() => void start.run()} disabled={start.pending}>
              Start database
            </button>
          ) : (
            <>
              <button type="button" className="button danger-outline" onClick={() => void stop.run()} disabled={stop.pending}>
                Stop database
              </button>
              <button type="button" className="button" onClick={() => void restart.run()} disabled={restart.pending}>
                Restart database
              </button>
            </>
          )}
        </div>
        <FormError action={stop} />
        <FormError action={start} />
        <FormError action={restart} />
      </section>
      <form className="card stack danger-card" aria-label="Delete the database" onSubmit={remove.submit(() => undefined)}>
        <h2>Delete</h2>
        <p>
          Deletes <strong>{p.database}</strong> with its volume: all its data. Backups already stored stay at their destination. This cannot be undone.
        </p>
        <TextField label={`Type ${p.database} to confirm`} name="confirm" value={typed} onChange={setTyped} autoComplete="off" spellCheck={false} />
        <FormError action={remove} />
        <div className="row">
          <button type="submit" className="button danger" disabled={typed !== p.database || remove.pending} aria-busy={remove.pending || undefined}>
            Delete database
          </button>
        </div>
      </form>
    </div>
  );
}
