// The schedules tab: back up on a cron schedule (five fields or @daily …) in a time zone, with retention
// by count and/or age. The API checks the cron and the zone: its message shows next to the field.
// Each schedule can run now or be removed (its backups stay).
import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api/client';
import { useGet } from '../../lib/data';
import { ConfirmButton, FormError, SelectField, Submit, TextField, useAction } from '../../ui/form';
import { Empty, LoadError, Loading } from '../../ui/layout';
import { RelativeTime } from '../../ui/time';
import { servicePath, type DatabaseProps, type Schedule } from './shared';
import { TableHead } from '../../ui/table';

const num = (s: string): number | null => (s.trim() === '' ? null : Number(s));

export default function Schedules(p: DatabaseProps) {
  const list = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backup-schedules', { path: servicePath(p) });
  return (
    <div className="stack">
      <AddSchedule {...p} onDone={list.reload} />
      <section className="card stack" aria-labelledby="schedules-title">
        <h2 id="schedules-title">Schedules</h2>
        {list.error ? (
          <LoadError error={list.error} retry={list.reload} />
        ) : !list.data ? (
          <Loading label="Loading schedules" />
        ) : list.data.length === 0 ? (
          <Empty>No schedules: backups run only when started by hand.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table schedules" data-testid="schedule-list">
              <TableHead cols={['When', 'Keep', 'Destination', 'Next run']} actions />
              <tbody>
                {list.data.map((s) => (
                  <ScheduleRow key={s.id} p={p} s={s} onChanged={list.reload} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function keepLabel(s: Schedule): string {
  const parts = [s.keepCount ? `${s.keepCount} newest` : null, s.keepDays ? `${s.keepDays} days` : null].filter(Boolean);
  return parts.length ? parts.join(', ') : 'all';
}

function ScheduleRow({ p, s, onChanged }: { p: DatabaseProps; s: Schedule; onChanged: () => void }) {
  const path = { ...servicePath(p), id: s.id };
  const run = useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backup-schedules/{id}/run', { path }), {
    success: 'Backup started: see the backups tab',
    toastErrors: true,
  });
  const remove = useAction(() => api.delete('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backup-schedules/{id}', { path }), {
    success: 'Schedule removed (its backups stay)',
    toastErrors: true,
    onDone: onChanged,
  });
  return (
    <tr data-schedule={s.cron}>
      <td>
        <span className="mono">{s.cron}</span> <span className="muted small">{s.timezone}</span>
      </td>
      <td>{keepLabel(s)}</td>
      <td>{s.destination}</td>
      <td>
        <RelativeTime value={s.nextRunAt} fallback="disabled" />
      </td>
      <td className="actions">
        <div className="row wrap">
          <button type="button" className="button" onClick={() => void run.run()} disabled={run.pending}>
            Run now
          </button>
          <ConfirmButton label="Remove" question={`Remove the schedule ${s.cron}?`} onConfirm={() => void remove.run()} pending={remove.pending} />
        </div>
      </td>
    </tr>
  );
}

function AddSchedule(p: DatabaseProps & { onDone: () => void }) {
  const dests = useGet('/api/orgs/{org}/backup-destinations', { path: { org: p.org } });
  const [destination, setDestination] = useState('');
  const [cron, setCron] = useState('0 3 * * *');
  const [timezone, setTimezone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [keepCount, setKeepCount] = useState('7');
  const [keepDays, setKeepDays] = useState('');
  const chosen = destination || dests.data?.[0]?.name || '';
  const add = useAction(
    () =>
      api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/backup-schedules', {
        path: servicePath(p),
        body: { destination: chosen, kind: 'database', stopService: false, enabled: true, cron: cron.trim(), timezone: timezone.trim(), keepCount: num(keepCount), keepDays: num(keepDays) },
      }),
    { success: 'Schedule added', onDone: p.onDone },
  );
  if (dests.error) return <LoadError error={dests.error} retry={dests.reload} />;
  if (!dests.data) return <Loading label="Loading destinations" />;
  if (dests.data.length === 0)
    return (
      <p className="notice">
        No backup destination yet. <Link href={`~/orgs/${p.org}/backup-destinations`}>Add one</Link> before scheduling backups.
      </p>
    );
  return (
    <form className="card stack" aria-label="Add a schedule" onSubmit={add.submit(() => undefined)} noValidate>
      <h2>Add a schedule</h2>
      <div className="form-grid">
        <TextField label="Cron" name="cron" value={cron} onChange={setCron} error={add.fieldError('cron')} spellCheck={false} hint="minute hour day month weekday, e.g. 0 3 * * * — or @daily" />
        <TextField label="Time zone" name="timezone" value={timezone} onChange={setTimezone} error={add.fieldError('timezone')} spellCheck={false} hint="IANA name, e.g. UTC or Europe/Berlin" />
        <TextField label="Keep the newest (count)" name="keepCount" type="number" value={keepCount} onChange={setKeepCount} error={add.fieldError('keepCount')} hint="Empty: no count limit" />
        <TextField label="Keep for (days)" name="keepDays" type="number" value={keepDays} onChange={setKeepDays} error={add.fieldError('keepDays')} hint="Empty: no age limit" />
        <SelectField label="Destination" name="destination" value={chosen} onChange={setDestination} options={dests.data.map((d) => ({ value: d.name, label: d.name }))} error={add.fieldError('destination')} />
      </div>
      <FormError action={add} fields={['cron', 'timezone', 'keepCount', 'keepDays', 'destination']} />
      <div className="row">
        <Submit pending={add.pending}>Add schedule</Submit>
      </div>
    </form>
  );
}
