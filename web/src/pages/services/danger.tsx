// The danger zone: stop (replicas to 0, the live image kept) or start again, and delete — which asks
// for the service's name to be typed first.
import { useState } from 'react';
import { useLocation } from 'wouter';
import { api, type Response } from '../../api/client';
import { invalidate } from '../../lib/data';
import { FormError, Submit, TextField, useAction } from '../../ui/form';
import { TypedDelete } from '../../components/typed-delete';
import { pathOf, serviceUrl, type ServiceProps } from './service';

type Status = Response<'/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/status'>;

export default function DangerZone(p: ServiceProps & { status: Status | undefined }) {
  const [, navigate] = useLocation();
  const [replicas, setReplicas] = useState('1');
  const after = () => invalidate(serviceUrl(p));
  const stop = useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/stop', { path: pathOf(p) }), {
    success: 'Stopping: its replicas go to 0',
    onDone: after,
  });
  const start = useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/start', { path: pathOf(p), body: { replicas: Number(replicas) } }), {
    success: 'Starting',
    onDone: after,
  });
  const remove = useAction(() => api.delete('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}', { path: pathOf(p) }), {
    success: `Service ${p.service} deleted`,
    onDone: () => {
      invalidate(`/api/orgs/${p.org}/projects/${p.project}`);
      navigate(`~/orgs/${p.org}/projects/${p.project}/env/${p.env}`);
    },
  });
  const stopped = p.status?.state === 'stopped' || p.status?.replicas.desired === 0;

  return (
    <div className="stack">
      {stopped ? (
        <form className="card stack danger-card" aria-label="Start the service" onSubmit={start.submit(() => undefined)}>
          <h2>Start</h2>
          <p>Runs the live version again with this many replicas (no build).</p>
          <div className="form-grid">
            <TextField label="Replicas" name="replicas" type="number" value={replicas} onChange={setReplicas} error={start.fieldError('replicas')} />
          </div>
          <FormError action={start} fields={['replicas']} />
          <div className="row">
            <Submit pending={start.pending}>Start service</Submit>
          </div>
        </form>
      ) : (
        <form className="card stack danger-card" aria-label="Stop the service" onSubmit={stop.submit(() => undefined)}>
          <h2>Stop</h2>
          <p>Scales the service to 0 replicas: its domains stop answering. The image is kept, so starting again needs no build.</p>
          <FormError action={stop} />
          <div className="row">
            <Submit pending={stop.pending} className="button danger-outline">
              Stop service
            </Submit>
          </div>
        </form>
      )}
      <TypedDelete name={p.service} label="Delete the service" button="Delete service" action={remove}>
        Deletes <strong>{p.service}</strong>, its deployments, domains and environment variables. This cannot be undone.
      </TypedDelete>
    </div>
  );
}
