// The caller's API keys (for the CLI and scripts): create — the key is shown once —, revoke.
import { useState } from 'react';
import { api, type Response } from '../api/client';
import { invalidate, useGet } from '../lib/data';
import { CopyButton } from '../ui/copy';
import { ConfirmButton, FormError, Submit, TextField, useAction } from '../ui/form';
import { Empty, LoadError, Loading, PageHeader } from '../ui/layout';
import { RelativeTime } from '../ui/time';
import { TableHead } from '../ui/table';

type Created = Response<'/api/me/api-keys', 'post'>;

export default function ApiKeysPage() {
  const keys = useGet('/api/me/api-keys');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Created | null>(null);
  const create = useAction((body: { name: string }) => api.post('/api/me/api-keys', { body }), {
    success: (k) => `API key ${k.name} created`,
    onDone: (k) => {
      setCreated(k);
      setName('');
      invalidate('/api/me/api-keys');
    },
  });
  const revoke = useAction((id: string) => api.delete('/api/me/api-keys/{id}', { path: { id } }), {
    success: (k) => `API key ${k.name} revoked`,
    toastErrors: true,
    onDone: () => invalidate('/api/me/api-keys'),
  });
  return (
    <div className="stack">
      <PageHeader title="API keys" />
      <p className="muted">
        API keys act as you from the <code>berth</code> CLI and scripts (<code>Authorization: Bearer …</code>). Berth stores only a hash: a key is shown once, when
        it is created. The API reference is at <a href="/api/docs">/api/docs</a>.
      </p>
      <section className="card stack" aria-labelledby="new-key">
        <h2 id="new-key">New API key</h2>
        <form className="form-grid" onSubmit={create.submit(() => ({ name }))} noValidate>
          <TextField label="Key name" name="name" value={name} onChange={setName} error={create.fieldError('name')} hint="What it is for, e.g. laptop or ci." required />
          <Submit pending={create.pending}>Create key</Submit>
        </form>
        <FormError action={create} fields={['name']} />
        {created && (
          <div className="secret-once" role="status">
            <strong>Copy the key {created.name} now: it will not be shown again.</strong>
            <code data-testid="new-api-key">{created.key}</code>
            <div className="row">
              <CopyButton text={created.key} />
              <button type="button" className="button subtle" onClick={() => setCreated(null)}>
                I have copied it
              </button>
            </div>
          </div>
        )}
      </section>
      <section aria-labelledby="key-list" className="stack">
        <h2 id="key-list">Your keys</h2>
        {keys.error ? (
          <LoadError error={keys.error} retry={keys.reload} />
        ) : !keys.data ? (
          <Loading />
        ) : keys.data.length === 0 ? (
          <Empty>No API keys yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <TableHead cols={['Name', 'Key', 'Created', 'Last used', 'Status']} actions />
              <tbody>
                {keys.data.map((k) => (
                  <tr key={k.id} data-key={k.name}>
                    <td>{k.name}</td>
                    <td className="mono">{k.prefix}…</td>
                    <td>
                      <RelativeTime value={k.createdAt} />
                    </td>
                    <td>
                      <RelativeTime value={k.lastUsedAt} fallback="never" />
                    </td>
                    <td>{k.revokedAt ? <span className="badge danger">revoked</span> : <span className="badge ok">active</span>}</td>
                    <td className="actions">
                      {!k.revokedAt && <ConfirmButton label="Revoke" question={`Revoke ${k.name}?`} pending={revoke.pending} onConfirm={() => void revoke.run(k.id)} />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
