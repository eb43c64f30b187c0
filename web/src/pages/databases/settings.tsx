// The settings tab: version and resources (and the external port), one PATCH; the API refuses what it
// cannot do (an unknown version, a downgrade …) and its message shows next to the field. Applying stops
// the database before starting it again (not zero-downtime); a version change takes a safety backup
// first when backups are set up.
import { useState } from 'react';
import { api } from '../../api/client';
import { invalidate } from '../../lib/data';
import { FormError, SelectField, Submit, TextField, useAction } from '../../ui/form';
import { databasePath, databaseUrl, ENGINES, envUrl, type Database, type DatabaseProps } from './shared';

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));
const str = (n: number | null | undefined): string => (n === undefined || n === null ? '' : String(n));

export default function Settings(p: DatabaseProps & { db: Database }) {
  const d = p.db;
  const engine = ENGINES.find((e) => e.value === d.engine);
  const versions = engine ? [...new Set([d.version, ...engine.versions])] : [d.version];
  const [version, setVersion] = useState(d.version);
  const [memoryMb, setMemoryMb] = useState(str(d.resources.memoryMb));
  const [cpus, setCpus] = useState(str(d.resources.cpus));
  const [externalPort, setExternalPort] = useState(str(d.externalPort));
  const save = useAction(
    () => {
      const resources: { memoryMb?: number; cpus?: number } = {};
      const m = num(memoryMb);
      const c = num(cpus);
      if (m !== undefined) resources.memoryMb = m;
      if (c !== undefined) resources.cpus = c;
      const port = num(externalPort) ?? null;
      return api.patch('/api/orgs/{org}/projects/{project}/environments/{env}/databases/{database}', {
        path: databasePath(p),
        body: { ...(version !== d.version ? { version } : {}), resources, ...(port !== d.externalPort ? { externalPort: port } : {}) },
      });
    },
    {
      success: 'Saved: the database restarts with the new settings',
      onDone: () => {
        invalidate(databaseUrl(p));
        invalidate(envUrl(p));
      },
    },
  );
  return (
    <form className="card stack" aria-label="Database settings" onSubmit={save.submit(() => undefined)} noValidate>
      <h2>Version and resources</h2>
      <p className="notice">Saving stops the database before the new one starts (not zero-downtime). A version change takes a safety backup first when a backup destination is set up.</p>
      <div className="form-grid">
        <SelectField label="Version" name="version" value={version} onChange={setVersion} options={versions.map((v) => ({ value: v, label: `${engine?.label ?? d.engine} ${v}` }))} error={save.fieldError('version')} />
        <TextField label="Memory limit (MB)" name="memoryMb" type="number" value={memoryMb} onChange={setMemoryMb} error={save.fieldError('memoryMb')} hint="Empty: no limit" />
        <TextField label="CPU limit (cores)" name="cpus" type="number" value={cpus} onChange={setCpus} error={save.fieldError('cpus')} hint="Empty: no limit" />
        <TextField label="External port" name="externalPort" type="number" value={externalPort} onChange={setExternalPort} error={save.fieldError('externalPort')} hint="Empty: project network only" />
      </div>
      <FormError action={save} fields={['version', 'memoryMb', 'cpus', 'externalPort']} />
      <div className="row">
        <Submit pending={save.pending}>Save and restart</Submit>
      </div>
    </form>
  );
}
