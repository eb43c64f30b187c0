// Environments of a project (production, staging, development, custom): list, create, delete.
// Shared by the project page (pages/project/index.tsx).
import { useState } from 'react';
import { api } from '../api/client';
import { invalidate, useGet } from '../lib/data';
import { can, useOrgRole } from '../lib/org';
import { ConfirmButton, FormError, SelectField, Submit, TextField, useAction } from '../ui/form';
import { LoadError, Loading } from '../ui/layout';
import { RelativeTime } from '../ui/time';
import { TableHead } from '../ui/table';

type Kind = 'auto' | 'production' | 'staging' | 'development' | 'custom';
const KINDS: { value: Kind; label: string }[] = [
  { value: 'auto', label: 'From the name' },
  { value: 'production', label: 'Production' },
  { value: 'staging', label: 'Staging' },
  { value: 'development', label: 'Development' },
  { value: 'custom', label: 'Custom' },
];

export function EnvironmentsPanel({ org, project, onSelect }: { org: string; project: string; onSelect?: (env: string) => void }) {
  const role = useOrgRole(org);
  const envs = useGet('/api/orgs/{org}/projects/{project}/environments', { path: { org, project } });
  const [v, setV] = useState<{ name: string; kind: Kind }>({ name: '', kind: 'auto' });
  const refresh = () => invalidate(`/api/orgs/${org}/projects/${project}`);
  const create = useAction(
    (x: typeof v) =>
      api.post('/api/orgs/{org}/projects/{project}/environments', {
        path: { org, project },
        body: x.kind === 'auto' ? { name: x.name } : { name: x.name, kind: x.kind },
      }),
    {
      success: (e) => `Environment ${e.name} created`,
      onDone: () => {
        setV({ name: '', kind: 'auto' });
        refresh();
      },
    },
  );
  const remove = useAction((env: string) => api.delete('/api/orgs/{org}/projects/{project}/environments/{env}', { path: { org, project, env } }), {
    success: (e) => `Environment ${e.name} deleted`,
    toastErrors: true,
    onDone: refresh,
  });
  const writable = can.writeProjects(role);
  return (
    <section className="stack" aria-labelledby="environments">
      <h2 id="environments">Environments</h2>
      {envs.error ? (
        <LoadError error={envs.error} retry={envs.reload} />
      ) : !envs.data ? (
        <Loading />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <TableHead cols={['Name', 'Kind', 'Created']} actions />
            <tbody>
              {envs.data.map((e) => (
                <tr key={e.id} data-env={e.name}>
                  <td>
                    {onSelect ? (
                      <button type="button" className="link-button" onClick={() => onSelect(e.name)}>
                        {e.name}
                      </button>
                    ) : (
                      e.name
                    )}
                  </td>
                  <td>
                    <span className={`badge ${e.kind === 'production' ? 'accent' : ''}`}>{e.kind}</span>
                  </td>
                  <td>
                    <RelativeTime value={e.createdAt} />
                  </td>
                  <td className="actions">
                    {writable && <ConfirmButton label="Delete" question={`Delete ${e.name} and its services?`} pending={remove.pending} onConfirm={() => void remove.run(e.name)} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {writable && (
        <form className="form-grid card" onSubmit={create.submit(() => v)} noValidate aria-label="New environment">
          <TextField label="Environment name" name="name" value={v.name} onChange={(name) => setV((o) => ({ ...o, name }))} error={create.fieldError('name')} required />
          <SelectField label="Kind" name="kind" value={v.kind} onChange={(kind) => setV((o) => ({ ...o, kind }))} options={KINDS} error={create.fieldError('kind')} />
          <Submit pending={create.pending}>Add environment</Submit>
          <FormError action={create} fields={['name', 'kind']} />
        </form>
      )}
    </section>
  );
}
