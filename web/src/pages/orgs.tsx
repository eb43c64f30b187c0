// Organisations: the caller's organisations with their role; create one; an owner can delete one.
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api } from '../api/client';
import { invalidate, useGet } from '../lib/data';
import { rememberOrg } from '../lib/session';
import { ConfirmButton, FormError, Submit, TextField, useAction } from '../ui/form';
import { Empty, LoadError, Loading, PageHeader } from '../ui/layout';
import { RelativeTime } from '../ui/time';
import { TableHead } from '../ui/table';

export default function OrgsPage() {
  const orgs = useGet('/api/orgs');
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const create = useAction((body: { name: string }) => api.post('/api/orgs', { body }), {
    success: (o) => `Organisation ${o.name} created`,
    onDone: (o) => {
      setName('');
      invalidate('/api/orgs');
      invalidate('/api/me');
      rememberOrg(o.name);
      navigate(`/orgs/${o.name}`);
    },
  });
  const remove = useAction((org: string) => api.delete('/api/orgs/{org}', { path: { org } }), {
    success: 'Organisation deleted',
    toastErrors: true,
    onDone: () => {
      invalidate('/api/orgs');
      invalidate('/api/me');
    },
  });
  return (
    <div className="stack">
      <PageHeader title="Organisations" />
      <section className="card stack" aria-labelledby="new-org">
        <h2 id="new-org">New organisation</h2>
        <form className="form-grid" onSubmit={create.submit(() => ({ name }))} noValidate>
          <TextField label="Name" name="name" value={name} onChange={setName} error={create.fieldError('name')} hint="Lowercase letters, digits and dashes." required />
          <Submit pending={create.pending}>Create organisation</Submit>
        </form>
        <FormError action={create} fields={['name']} />
      </section>
      <section aria-labelledby="your-orgs" className="stack">
        <h2 id="your-orgs">Your organisations</h2>
        {orgs.error ? (
          <LoadError error={orgs.error} retry={orgs.reload} />
        ) : !orgs.data ? (
          <Loading />
        ) : orgs.data.length === 0 ? (
          <Empty>You are not a member of any organisation yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <TableHead cols={['Name', 'Your role', 'Created']} actions />
              <tbody>
                {orgs.data.map((o) => (
                  <tr key={o.id}>
                    <td>
                      <Link href={`/orgs/${o.name}`} onClick={() => rememberOrg(o.name)}>
                        {o.name}
                      </Link>
                    </td>
                    <td>
                      <span className="badge">{o.role}</span>
                    </td>
                    <td>
                      <RelativeTime value={o.createdAt} />
                    </td>
                    <td className="actions">
                      {o.role === 'owner' && (
                        <ConfirmButton label="Delete" question={`Delete ${o.name} and everything in it?`} pending={remove.pending} onConfirm={() => void remove.run(o.name)} />
                      )}
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
