// Create a database: engine, version, name, memory/CPU and an optional external port (published on the
// node: the form says so, and the API's warnings are shown on the database page). Field names are the
// API's body keys so a 400 lands next to its field. Creating is a job: the database page follows it.
import { useState } from 'react';
import { useLocation } from 'wouter';
import { api } from '../../api/client';
import { invalidate } from '../../lib/data';
import { FormError, SelectField, Submit, TextField, useAction } from '../../ui/form';
import { PageHeader } from '../../ui/layout';
import { envUrl, ENGINES, type EngineId } from './shared';
import '../services/services.css';

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

export default function NewDatabase({ org, project, env }: { org: string; project: string; env: string }) {
  const [, navigate] = useLocation();
  const [engine, setEngine] = useState<EngineId>('postgres');
  const [version, setVersion] = useState<string>('16');
  const [name, setName] = useState('');
  const [memoryMb, setMemoryMb] = useState('');
  const [cpus, setCpus] = useState('');
  const [externalPort, setExternalPort] = useState('');
  const spec = ENGINES.find((e) => e.value === engine)!;

  const create = useAction(
    async () => {
      const resources: { memoryMb?: number; cpus?: number } = {};
      const m = num(memoryMb);
      const c = num(cpus);
      if (m !== undefined) resources.memoryMb = m;
      if (c !== undefined) resources.cpus = c;
      const port = num(externalPort);
      const d = await api.post('/api/orgs/{org}/projects/{project}/environments/{env}/databases', {
        path: { org, project, env },
        body: { name: name.trim(), engine, version, resources, ...(port !== undefined ? { externalPort: port } : {}), stopGracePeriodSeconds: 30 },
      });
      invalidate(envUrl({ org, project, env }));
      return d;
    },
    { success: (d) => `Database ${d.name} created, starting`, onDone: (d) => navigate(`/env/${env}/databases/${d.name}`) },
  );

  return (
    <div className="stack">
      <PageHeader
        title="New database"
        crumbs={[
          { href: `~/orgs/${org}`, label: 'Projects' },
          { href: `/env/${env}`, label: `${project} · ${env}` },
        ]}
      />
      <form className="card stack" onSubmit={create.submit(() => undefined)} aria-label="New database" noValidate>
        <div className="form-grid">
          <SelectField
            label="Engine"
            name="engine"
            value={engine}
            onChange={(v) => {
              setEngine(v);
              setVersion(ENGINES.find((e) => e.value === v)!.defaultVersion);
            }}
            options={ENGINES.map((e) => ({ value: e.value, label: e.label }))}
            error={create.fieldError('engine')}
          />
          <SelectField label="Version" name="version" value={version} onChange={setVersion} options={spec.versions.map((v) => ({ value: v, label: `${spec.label} ${v}` }))} error={create.fieldError('version')} />
          <TextField label="Name" name="name" value={name} onChange={setName} error={create.fieldError('name')} required autoComplete="off" spellCheck={false} hint="Lowercase letters, digits and -; other services reach it by this name" />
          <TextField label="Memory limit (MB)" name="memoryMb" type="number" value={memoryMb} onChange={setMemoryMb} error={create.fieldError('memoryMb')} hint="Empty: no limit" />
          <TextField label="CPU limit (cores)" name="cpus" type="number" value={cpus} onChange={setCpus} error={create.fieldError('cpus')} hint="Empty: no limit" />
          <TextField
            label="External port (optional)"
            name="externalPort"
            type="number"
            value={externalPort}
            onChange={setExternalPort}
            error={create.fieldError('externalPort')}
            hint="Empty: reachable only on the project network. A port (1024–65535) publishes the database on the server — reachable from the internet unless a firewall stops it."
          />
        </div>
        <p className="notice">Credentials are generated. Changes to a database later (version, resources) stop it before starting it again: they are not zero-downtime.</p>
        <FormError action={create} fields={['name', 'engine', 'version', 'memoryMb', 'cpus', 'externalPort']} />
        <div className="row">
          <Submit pending={create.pending}>Create database</Submit>
        </div>
      </form>
    </div>
  );
}
