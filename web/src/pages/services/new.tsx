// Create a service: an app from a git repository, a Docker image, or an uploaded archive (.tar.gz).
// One form; the source picks which fields show. Field names are the API's body keys, so a 400 lands next
// to its field (body/spec/source/repository → "repository"). "Deploy now" starts the first deployment
// (or uploads the archive) and opens the service's deployments tab to watch it.
import { useState } from 'react';
import { useLocation } from 'wouter';
import { api, ApiError } from '../../api/client';
import { invalidate } from '../../lib/data';
import { Field, FormError, Submit, TextField, useAction } from '../../ui/form';
import { PageHeader } from '../../ui/layout';
import { toast } from '../../ui/toast';
import { uploadArchive } from './upload';

type Source = 'git' | 'image' | 'archive';

const SOURCES: { value: Source; label: string; hint: string }[] = [
  { value: 'git', label: 'Git repository', hint: 'Built from its Dockerfile on every deploy' },
  { value: 'image', label: 'Docker image', hint: 'Run as is, e.g. nginx:1.27' },
  { value: 'archive', label: 'Upload an archive', hint: 'A .tar.gz of a folder with a Dockerfile' },
];

export default function NewService({ org, project, env }: { org: string; project: string; env: string }) {
  const [, navigate] = useLocation();
  const [source, setSource] = useState<Source>('git');
  const [name, setName] = useState('');
  const [repository, setRepository] = useState('');
  const [ref, setRef] = useState('main');
  const [dockerfile, setDockerfile] = useState('Dockerfile');
  const [context, setContext] = useState('.');
  const [image, setImage] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [port, setPort] = useState('');
  const [replicas, setReplicas] = useState('1');
  const [deployNow, setDeployNow] = useState(true);
  const base = { org, project, env };

  const create = useAction(
    async () => {
      if (source === 'archive' && deployNow && !file) throw new ApiError(400, 'invalid', 'choose the archive to upload', [{ path: 'body/archive', message: 'choose a .tar.gz file' }]);
      const spec: Record<string, unknown> = {
        source: source === 'git' ? { type: 'git', repository: repository.trim(), ref: ref.trim(), dockerfile, context } : source === 'image' ? { type: 'image', image: image.trim() } : { type: 'archive', dockerfile, context },
        replicas: Number(replicas),
      };
      if (port.trim()) spec.port = Number(port);
      const svc = await api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services', { path: base, body: { name: name.trim(), kind: 'app', spec, env: [] } });
      invalidate(`/api/orgs/${org}/projects/${project}/environments/${env}`);
      if (!deployNow) return { service: svc.name, deployment: null };
      const path = { ...base, service: svc.name };
      try {
        const d =
          source === 'archive' && file
            ? await uploadArchive(`/api/orgs/${org}/projects/${project}/environments/${env}/services/${svc.name}/archive`, file)
            : await api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/deployments', { path });
        return { service: svc.name, deployment: d.id };
      } catch (err) {
        // The service exists: open it (a retry here would only say it already exists) and say why nothing deploys.
        toast.error(err);
        return { service: svc.name, deployment: null };
      }
    },
    {
      success: (r) => (r.deployment ? `Service ${r.service} created, deploying` : `Service ${r.service} created`),
      onDone: (r) => navigate(`/env/${env}/services/${r.service}${r.deployment ? '/deployments' : ''}`),
    },
  );

  return (
    <div className="stack">
      <PageHeader
        title="New service"
        crumbs={[
          { href: `~/orgs/${org}`, label: 'Projects' },
          { href: `/env/${env}`, label: `${project} · ${env}` },
        ]}
      />
      <form className="card stack" onSubmit={create.submit(() => undefined)} aria-label="New service" noValidate>
        <fieldset className="source-picker">
          <legend>Source</legend>
          {SOURCES.map((s) => (
            <label key={s.value} className={source === s.value ? 'source-option selected' : 'source-option'}>
              <input type="radio" name="source" value={s.value} checked={source === s.value} onChange={() => setSource(s.value)} />
              <span>
                <strong>{s.label}</strong>
                <span className="muted small">{s.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="form-grid">
          <TextField label="Name" name="name" value={name} onChange={setName} error={create.fieldError('name')} required autoComplete="off" spellCheck={false} hint="Lowercase letters, digits and -" />
          {source === 'git' && (
            <>
              <TextField
                label="Repository"
                name="repository"
                value={repository}
                onChange={setRepository}
                error={create.fieldError('repository')}
                required
                spellCheck={false}
                placeholder="https://github.com/you/app.git"
                hint="https://, ssh://, git@host:path or a path on the server"
              />
              <TextField label="Branch or tag" name="ref" value={ref} onChange={setRef} error={create.fieldError('ref')} spellCheck={false} />
            </>
          )}
          {source === 'image' && <TextField label="Image" name="image" value={image} onChange={setImage} error={create.fieldError('image')} required spellCheck={false} placeholder="nginx:1.27" />}
          {source === 'archive' && (
            <Field label="Archive (.tar.gz)" name="archive" error={create.fieldError('archive')} hint="Uploaded and deployed when the service is created">
              {(a) => <input {...a} type="file" accept=".tar.gz,.tgz,.tar,application/gzip,application/x-tar" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
            </Field>
          )}
          {source !== 'image' && (
            <>
              <TextField label="Dockerfile" name="dockerfile" value={dockerfile} onChange={setDockerfile} error={create.fieldError('dockerfile')} spellCheck={false} />
              <TextField label="Build context" name="context" value={context} onChange={setContext} error={create.fieldError('context')} spellCheck={false} />
            </>
          )}
          <TextField label="Port" name="port" type="number" value={port} onChange={setPort} error={create.fieldError('port')} hint="The port the app listens on (gives it a domain)" />
          <TextField label="Replicas" name="replicas" type="number" value={replicas} onChange={setReplicas} error={create.fieldError('replicas')} />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={deployNow} onChange={(e) => setDeployNow(e.target.checked)} /> Deploy now
        </label>
        <FormError action={create} fields={['name', 'repository', 'ref', 'image', 'archive', 'dockerfile', 'context', 'port', 'replicas']} />
        <div className="row">
          <Submit pending={create.pending}>Create service</Submit>
        </div>
      </form>
    </div>
  );
}
