// An organisation's projects: list, create (with a production environment), delete.
import { useEffect, useState } from 'react';
import { Link, useParams } from 'wouter';
import { api } from '../api/client';
import { invalidate, useGet } from '../lib/data';
import { can, useOrgRole } from '../lib/org';
import { rememberOrg } from '../lib/session';
import { ConfirmButton, FormError, Submit, TextField, useAction } from '../ui/form';
import { Empty, LoadError, Loading, PageHeader } from '../ui/layout';
import { RelativeTime } from '../ui/time';

export default function ProjectsPage() {
  const { org } = useParams<{ org: string }>();
  useEffect(() => rememberOrg(org), [org]);
  const role = useOrgRole(org);
  const projects = useGet('/api/orgs/{org}/projects', { path: { org } });
  const [v, setV] = useState({ name: '', description: '' });
  const create = useAction((body: typeof v) => api.post('/api/orgs/{org}/projects', { path: { org }, body }), {
    success: (p) => `Project ${p.name} created`,
    onDone: () => {
      setV({ name: '', description: '' });
      invalidate(`/api/orgs/${org}/projects`);
    },
  });
  const remove = useAction((project: string) => api.delete('/api/orgs/{org}/projects/{project}', { path: { org, project } }), {
    success: (p) => `Project ${p.name} deleted`,
    toastErrors: true,
    onDone: () => invalidate(`/api/orgs/${org}/projects`),
  });
  const writable = can.writeProjects(role);
  return (
    <div className="stack">
      <PageHeader title="Projects" crumbs={[{ href: '/orgs', label: org }]} />
      {writable && (
        <section className="card stack" aria-labelledby="new-project">
          <h2 id="new-project">New project</h2>
          <form className="form-grid" onSubmit={create.submit(() => v)} noValidate>
            <TextField label="Name" name="name" value={v.name} onChange={(name) => setV((o) => ({ ...o, name }))} error={create.fieldError('name')} hint="Lowercase letters, digits and dashes." required />
            <TextField label="Description" name="description" value={v.description} onChange={(description) => setV((o) => ({ ...o, description }))} error={create.fieldError('description')} hint="Optional." />
            <Submit pending={create.pending}>Create project</Submit>
          </form>
          <FormError action={create} fields={['name', 'description']} />
        </section>
      )}
      <section aria-labelledby="project-list" className="stack">
        <h2 id="project-list">
          {projects.data ? `${projects.data.length} project${projects.data.length === 1 ? '' : 's'}` : 'Projects'}
        </h2>
        {projects.error ? (
          <LoadError error={projects.error} retry={projects.reload} />
        ) : !projects.data ? (
          <Loading />
        ) : projects.data.length === 0 ? (
          <Empty>No projects yet{writable ? ': create the first one above.' : '.'}</Empty>
        ) : (
          <ul className="cards" aria-label="Projects">
            {projects.data.map((p) => (
              <li key={p.id} className="card stack project-card">
                <div className="row">
                  <h3>
                    <Link href={`/orgs/${org}/projects/${p.name}`}>{p.name}</Link>
                  </h3>
                </div>
                {p.description ? <p>{p.description}</p> : <p className="muted">No description</p>}
                <div className="row">
                  <span className="muted">
                    Created <RelativeTime value={p.createdAt} />
                  </span>
                  <span className="spacer" />
                  {writable && <ConfirmButton label="Delete" question={`Delete ${p.name} and everything in it?`} pending={remove.pending} onConfirm={() => void remove.run(p.name)} />}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
