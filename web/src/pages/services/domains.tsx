// The domains tab: the hosts routed to the service (the automatic one under the base domain first),
// each a link that opens the app, with its certificate status when HTTPS is on; add a host (+ path
// prefix, port) and remove one. The API's message for a bad host shows next to the field.
import { useState } from 'react';
import { api } from '../../api/client';
import { invalidate, useGet } from '../../lib/data';
import { ConfirmButton, FormError, Submit, TextField, useAction } from '../../ui/form';
import { LoadError, Loading } from '../../ui/layout';
import { RelativeTime } from '../../ui/time';
import { pathOf, serviceUrl, type ServiceProps } from './service';
import { TableHead } from '../../ui/table';

const TLS_TONE: Record<string, string> = { valid: 'ok', pending: 'muted', renewing: 'accent', failed: 'danger' };

export default function Domains(p: ServiceProps) {
  const list = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/domains', { path: pathOf(p) });
  const [host, setHost] = useState('');
  const [pathPrefix, setPathPrefix] = useState('/');
  const [port, setPort] = useState('');
  const refresh = () => {
    invalidate(`${serviceUrl(p)}/domains`);
    invalidate(`/api/orgs/${p.org}/projects/${p.project}/environments/${p.env}/status`);
  };
  const add = useAction(
    () =>
      api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/domains', {
        path: pathOf(p),
        body: { host: host.trim(), pathPrefix: pathPrefix.trim() || '/', ...(port.trim() ? { port: Number(port) } : {}) },
      }),
    {
      success: (d) => `${d.host} now routes to ${p.service}`,
      onDone: () => {
        setHost('');
        setPathPrefix('/');
        setPort('');
        refresh();
      },
    },
  );
  const remove = useAction((id: string) => api.delete('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/domains/{id}', { path: { ...pathOf(p), id } }), {
    success: 'Domain removed',
    toastErrors: true,
    onDone: refresh,
  });

  return (
    <div className="stack">
      <section className="card stack" aria-labelledby="domains-title">
        <h2 id="domains-title">Domains</h2>
        {list.error ? (
          <LoadError error={list.error} retry={list.reload} />
        ) : !list.data ? (
          <Loading />
        ) : list.data.length === 0 ? (
          <p className="muted">No domain yet. A service with a port gets one under the base domain once it is set.</p>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Domains">
              <TableHead cols={['Host', 'Port', 'HTTPS']} actions />
              <tbody>
                {list.data.map((d) => (
                  <tr key={d.host + d.pathPrefix} data-domain={d.host}>
                    <td>
                      <a href={`${d.tls?.status === 'valid' ? 'https' : 'http'}://${d.host}${d.pathPrefix}`} target="_blank" rel="noreferrer">
                        {d.host}
                        {d.pathPrefix === '/' ? '' : d.pathPrefix}
                      </a>
                      {d.automatic && <span className="badge muted">default</span>}
                    </td>
                    <td>{d.port}</td>
                    <td>
                      {d.tls ? (
                        <span className={`badge ${TLS_TONE[d.tls.status] ?? ''}`} title={d.tls.error ?? undefined}>
                          {d.tls.status}
                          {d.tls.expiresAt && (
                            <>
                              {' '}
                              · expires <RelativeTime value={d.tls.expiresAt} />
                            </>
                          )}
                        </span>
                      ) : (
                        <span className="muted">HTTP only</span>
                      )}
                      {d.tls?.error && <p className="field-error">{d.tls.error}</p>}
                    </td>
                    <td className="actions">
                      {d.id && !d.automatic ? <ConfirmButton label="Remove" question={`Stop routing ${d.host}?`} pending={remove.pending} onConfirm={() => void remove.run(d.id!)} /> : <span className="muted small">from the base domain</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <form className="card stack" aria-label="Add a domain" onSubmit={add.submit(() => undefined)} noValidate>
        <h2>Add a domain</h2>
        <div className="form-grid">
          <TextField label="Host" name="host" value={host} onChange={setHost} error={add.fieldError('host')} placeholder="app.example.com" spellCheck={false} required hint="Point its DNS A record at this server" />
          <TextField label="Path prefix" name="pathPrefix" value={pathPrefix} onChange={setPathPrefix} error={add.fieldError('pathPrefix')} spellCheck={false} />
          <TextField label="Port" name="port" type="number" value={port} onChange={setPort} error={add.fieldError('port')} hint="Defaults to the service's port" />
        </div>
        <FormError action={add} fields={['host', 'pathPrefix', 'port']} />
        <div className="row">
          <Submit pending={add.pending}>Add domain</Submit>
        </div>
      </form>
    </div>
  );
}
