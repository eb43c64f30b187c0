// The danger zone: stop (its data stays) or start, restart, and delete — which asks for the database's
// name to be typed first and removes its volume (all data) by a job.
import { useLocation } from 'wouter';
import { api } from '../../api/client';
import { invalidate } from '../../lib/data';
import { FormError, useAction } from '../../ui/form';
import { TypedDelete } from '../../components/typed-delete';
import { databasePath, databaseUrl, envUrl, type Database, type DatabaseProps } from './shared';

export default function DangerZone(p: DatabaseProps & { db: Database }) {
  const [, navigate] = useLocation();
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
      <TypedDelete name={p.database} label="Delete the database" button="Delete database" action={remove}>
        Deletes <strong>{p.database}</strong> with its volume: all its data. Backups already stored stay at their destination. This cannot be undone.
      </TypedDelete>
    </div>
  );
}
