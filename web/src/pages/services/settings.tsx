// The settings tab: replicas, CPU/memory limits, the HTTP health check, published ports, volumes and
// placement constraints — one PATCH of the spec's top-level keys, validated by the API (its message
// shows next to the field). Changes apply at the next deployment; "Save and apply" re-releases the live
// version with them at once (no build).
import { useState } from 'react';
import { api, ApiError } from '../../api/client';
import { invalidate } from '../../lib/data';
import { Field, FormError, Submit, TextField, useAction } from '../../ui/form';
import { pathOf, serviceUrl, useDeploy, type LiveServiceProps } from './service';

interface Spec {
  replicas?: number;
  port?: number;
  resources?: { cpus?: number; memoryMb?: number };
  healthCheck?: { path?: string; port?: number; intervalSeconds?: number; timeoutSeconds?: number; retries?: number; startPeriodSeconds?: number };
  ports?: { published: number; target: number; protocol?: string }[];
  volumes?: { name: string; target: string; readOnly?: boolean }[];
  placement?: string[];
}

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));
const str = (n: number | undefined): string => (n === undefined ? '' : String(n));

/** "8080:80/udp" lines → ports; anything unparsable is sent as is so the API names it. */
function parsePorts(text: string): unknown[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(l);
      return m ? { published: Number(m[1]), target: Number(m[2]), protocol: m[3] ?? 'tcp' } : { published: l, target: l };
    });
}
/** "data:/var/lib/app[:ro]" lines → volumes. */
function parseVolumes(text: string): unknown[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name, target, mode] = l.split(':');
      return { name, target, readOnly: mode === 'ro' };
    });
}

export default function Settings(p: LiveServiceProps & { spec: Record<string, unknown>; onSaved: () => void }) {
  const spec = p.spec as Spec;
  const [replicas, setReplicas] = useState(str(spec.replicas ?? 1));
  const [port, setPort] = useState(str(spec.port));
  const [cpus, setCpus] = useState(str(spec.resources?.cpus));
  const [memoryMb, setMemoryMb] = useState(str(spec.resources?.memoryMb));
  const [hcOn, setHcOn] = useState(!!spec.healthCheck);
  const [hcPath, setHcPath] = useState(spec.healthCheck?.path ?? '/');
  const [hcInterval, setHcInterval] = useState(str(spec.healthCheck?.intervalSeconds ?? 2));
  const [hcTimeout, setHcTimeout] = useState(str(spec.healthCheck?.timeoutSeconds ?? 2));
  const [hcRetries, setHcRetries] = useState(str(spec.healthCheck?.retries ?? 3));
  const [hcStart, setHcStart] = useState(str(spec.healthCheck?.startPeriodSeconds ?? 0));
  const [ports, setPorts] = useState((spec.ports ?? []).map((x) => `${x.published}:${x.target}${x.protocol && x.protocol !== 'tcp' ? `/${x.protocol}` : ''}`).join('\n'));
  const [volumes, setVolumes] = useState((spec.volumes ?? []).map((v) => `${v.name}:${v.target}${v.readOnly ? ':ro' : ''}`).join('\n'));
  const [placement, setPlacement] = useState((spec.placement ?? []).join('\n'));
  const deploy = useDeploy(p, 'apply');

  const patch = () => {
    const body: Record<string, unknown> = {
      replicas: num(replicas),
      resources: { ...(num(cpus) !== undefined ? { cpus: num(cpus) } : {}), ...(num(memoryMb) !== undefined ? { memoryMb: num(memoryMb) } : {}) },
      ports: parsePorts(ports),
      volumes: parseVolumes(volumes),
      placement: placement
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
      healthCheck: hcOn
        ? { path: hcPath, intervalSeconds: num(hcInterval), timeoutSeconds: num(hcTimeout), retries: num(hcRetries), startPeriodSeconds: num(hcStart) }
        : undefined,
    };
    if (port.trim()) body.port = num(port);
    return body;
  };
  const save = useAction(
    async (redeploy: boolean) => {
      const r = await api.patch('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}', { path: pathOf(p), body: { spec: patch() } });
      invalidate(serviceUrl(p));
      p.onSaved();
      if (redeploy) await deploy.run();
      return r;
    },
    { success: 'Settings saved' },
  );
  /** The first issue under body/spec/<prefix> (lists report /ports/0/published). */
  const under = (prefix: string) =>
    save.error instanceof ApiError ? save.error.issues.find((i) => i.path === `body/spec/${prefix}` || i.path.startsWith(`body/spec/${prefix}/`))?.message : undefined;

  return (
    <form
      className="card stack"
      aria-label="Service settings"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
        void save.run(submitter?.value === 'redeploy');
      }}
    >
      <h2>Scaling and resources</h2>
      <div className="form-grid">
        <TextField label="Replicas" name="replicas" type="number" value={replicas} onChange={setReplicas} error={under('replicas')} />
        <TextField label="App port" name="port" type="number" value={port} onChange={setPort} error={under('port')} hint="The port the app listens on" />
        <TextField label="CPU limit (cores)" name="cpus" type="number" value={cpus} onChange={setCpus} error={under('resources/cpus')} hint="Empty = no limit" />
        <TextField label="Memory limit (MB)" name="memoryMb" type="number" value={memoryMb} onChange={setMemoryMb} error={under('resources/memoryMb')} hint="Empty = no limit" />
      </div>
      <h2>Health check</h2>
      <label className="checkbox">
        {/* The API merges top-level spec keys: a health check once set can be changed, not removed. */}
        <input type="checkbox" checked={hcOn} disabled={!!spec.healthCheck} onChange={(e) => setHcOn(e.target.checked)} /> HTTP health check (otherwise the image's HEALTHCHECK)
      </label>
      {spec.healthCheck && <p className="hint">Once set, a health check can be changed here but not removed.</p>}
      {hcOn && (
        <div className="form-grid">
          <TextField label="Path" name="hc-path" value={hcPath} onChange={setHcPath} error={under('healthCheck/path')} spellCheck={false} />
          <TextField label="Interval (s)" name="intervalSeconds" type="number" value={hcInterval} onChange={setHcInterval} error={under('healthCheck/intervalSeconds')} />
          <TextField label="Timeout (s)" name="timeoutSeconds" type="number" value={hcTimeout} onChange={setHcTimeout} error={under('healthCheck/timeoutSeconds')} />
          <TextField label="Retries" name="retries" type="number" value={hcRetries} onChange={setHcRetries} error={under('healthCheck/retries')} />
          <TextField label="Start period (s)" name="startPeriodSeconds" type="number" value={hcStart} onChange={setHcStart} error={under('healthCheck/startPeriodSeconds')} />
        </div>
      )}
      <h2>Ports, volumes, placement</h2>
      <div className="form-grid">
        <Field label="Published ports" name="ports" error={under('ports')} hint="One per line: published:target[/udp], on the node (host mode). Web traffic needs none: use a domain.">
          {(a) => <textarea {...a} rows={3} className="mono" value={ports} onChange={(e) => setPorts(e.target.value)} spellCheck={false} />}
        </Field>
        <Field label="Volumes" name="volumes" error={under('volumes')} hint="One per line: name:/path/in/container[:ro]">
          {(a) => <textarea {...a} rows={3} className="mono" value={volumes} onChange={(e) => setVolumes(e.target.value)} spellCheck={false} />}
        </Field>
        <Field label="Placement constraints" name="placement" error={under('placement')} hint="One per line, e.g. node.role==manager or node.labels.db==primary">
          {(a) => <textarea {...a} rows={3} className="mono" value={placement} onChange={(e) => setPlacement(e.target.value)} spellCheck={false} />}
        </Field>
      </div>
      <FormError action={save} fields={[]} />
      <div className="row">
        <Submit pending={save.pending}>Save</Submit>
        <button type="submit" value="redeploy" className="button" disabled={save.pending}>
          Save and apply
        </button>
      </div>
    </form>
  );
}
