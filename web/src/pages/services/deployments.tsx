// The deployments tab: history (status, commit, trigger, when, duration, queue position while queued,
// the failure reason), the live build log of the selected deployment (the newest by default), and
// cancel / redeploy / roll back to any deployment whose image is still kept.
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { invalidate, useGet } from '../../lib/data';
import { useAction } from '../../ui/form';
import { LoadError, Loading } from '../../ui/layout';
import { RelativeTime } from '../../ui/time';
import { toast } from '../../ui/toast';
import { readEventStream, useLiveEvents, type Deployment } from './live';
import { pathOf, serviceUrl, useDeploy, type LiveServiceProps } from './service';
import { duration, StateBadge } from './state';
import { TableHead } from '../../ui/table';

const ACTIVE = new Set(['queued', 'running']);

function took(d: Deployment): number | null {
  if (d.startedAt && d.finishedAt) return new Date(d.finishedAt).getTime() - new Date(d.startedAt).getTime();
  const steps = Object.values(d.steps);
  return steps.length ? steps.reduce((a, b) => a + b, 0) : null;
}

export default function Deployments(p: LiveServiceProps) {
  const list = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/deployments', { path: pathOf(p) });
  const [selected, setSelected] = useState<string | null>(null);
  const [positions, setPositions] = useState<Record<string, number | null>>({});
  useLiveEvents(p.org, (e) => {
    if (e.event === 'deployment' && e.data.service.name === p.service && e.data.service.project === p.project && e.data.service.environment === p.env) {
      setPositions((m) => ({ ...m, [e.data.id]: e.data.position ?? null }));
      list.reload();
    } else if (e.event === 'reconnect') list.reload();
  });
  const deploy = useDeploy(p);
  const after = () => invalidate(serviceUrl(p));
  const cancel = useAction((id: string) => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/deployments/{id}/cancel', { path: { ...pathOf(p), id } }), {
    success: 'Deployment cancelled',
    toastErrors: true,
    onDone: after,
  });
  const rollback = useAction((to: string) => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/rollback', { path: pathOf(p), body: { to } }), {
    success: 'Rollback queued',
    toastErrors: true,
    onDone: (d) => {
      setSelected(d.id);
      after();
    },
  });

  if (list.error) return <LoadError error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading label="Loading deployments" />;
  const shown = selected ?? list.data[0]?.id ?? null;
  const current = list.data.find((d) => d.current);
  return (
    <div className="stack">
      <div className="row">
        <button type="button" className="button" onClick={() => void deploy.run()} disabled={deploy.pending}>
          {p.source === 'archive' ? 'Re-release' : 'Redeploy'}
        </button>
        {current && <span className="muted">Live: {current.commitSha?.slice(0, 7) ?? current.image?.slice(0, 19)}</span>}
      </div>
      {list.data.length === 0 ? (
        <p className="empty">No deployment yet: press Deploy.</p>
      ) : (
        <div className="table-wrap">
          <table className="table deployments" aria-label="Deployments">
            <TableHead cols={['Status', 'Commit', 'Trigger', 'Started', 'Duration']} actions />
            <tbody>
              {list.data.map((d) => (
                <tr key={d.id} className={d.id === shown ? 'selected' : undefined} data-deployment={d.id} data-status={d.status}>
                  <td>
                    <StateBadge state={d.status} />
                    {d.current && <span className="badge ok">live</span>}
                    {d.status === 'queued' && <QueuePosition {...p} id={d.id} live={positions[d.id]} />}
                    {d.reason && d.status !== 'succeeded' && (
                      <p className="field-error" data-testid="deployment-reason">
                        {d.reason}
                      </p>
                    )}
                  </td>
                  <td>
                    <span className="mono">{d.commitSha?.slice(0, 7) ?? (d.kind === 'rollback' ? 'rollback' : '—')}</span>
                    {d.commitMessage && <span className="muted small block">{d.commitMessage}</span>}
                  </td>
                  <td className="muted">{d.trigger}</td>
                  <td>
                    <RelativeTime value={d.createdAt} />
                  </td>
                  <td>{ACTIVE.has(d.status) ? '…' : duration(took(d))}</td>
                  <td className="actions">
                    <button type="button" className="button subtle" onClick={() => setSelected(d.id)} aria-pressed={d.id === shown}>
                      Log
                    </button>
                    {ACTIVE.has(d.status) && (
                      <button type="button" className="button danger-outline" onClick={() => void cancel.run(d.id)} disabled={cancel.pending}>
                        Cancel
                      </button>
                    )}
                    {d.rollbackable && !d.current && (
                      <button type="button" className="button" onClick={() => void rollback.run(d.id)} disabled={rollback.pending}>
                        Roll back to this
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown && <BuildLog key={shown} {...p} id={shown} />}
    </div>
  );
}

function QueuePosition(p: LiveServiceProps & { id: string; live: number | null | undefined }) {
  const d = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/deployments/{id}', { path: { ...pathOf(p), id: p.id } });
  const { reload } = d;
  useEffect(() => {
    if (p.live !== undefined) reload();
  }, [p.live, reload]);
  const position = p.live ?? d.data?.position;
  if (!position) return null;
  return (
    <span className="badge muted" data-testid="queue-position">
      #{position} in queue
    </span>
  );
}

interface LogLine {
  seq: number;
  line: string;
}

/** A deployment's log, live while it runs (server-sent events), with its outcome at the end. */
function BuildLog(p: LiveServiceProps & { id: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [end, setEnd] = useState<{ status: string; reason: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const abort = new AbortController();
    const pending: LogLine[] = [];
    let frame = 0;
    // Lines arrive in bursts during a build: render at most once per frame.
    const flush = () => {
      frame = 0;
      const batch = pending.splice(0);
      setLines((l) => (l.length + batch.length > 5000 ? [...l, ...batch].slice(-5000) : [...l, ...batch]));
    };
    readEventStream(`${serviceUrl(p)}/deployments/${p.id}/logs?follow=true`, abort.signal, (event, data) => {
      if (event === 'line') {
        pending.push(data as LogLine);
        frame ||= requestAnimationFrame(flush);
      } else if (event === 'end') setEnd(data as { status: string; reason: string | null });
    }).catch((err: unknown) => {
      if (!abort.signal.aborted) setError((err as Error).message);
    });
    return () => {
      abort.abort();
      cancelAnimationFrame(frame);
    };
  }, [p.id]);
  useEffect(() => {
    if (stick.current && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  return (
    <section className="card stack" aria-labelledby="build-log-title">
      <div className="row">
        <h2 id="build-log-title">Deployment log</h2>
        <span className="mono muted">{p.id.slice(0, 8)}</span>
        {end ? <StateBadge state={end.status} /> : <span className="badge accent">live</span>}
      </div>
      {error && <p className="form-error" role="alert">{error}</p>}
      {end?.reason && end.status !== 'succeeded' && (
        <p className="form-error" role="alert" data-testid="deployment-error">
          {end.reason}
        </p>
      )}
      <pre
        ref={box}
        className="log"
        role="log"
        aria-label="Deployment log"
        tabIndex={0}
        data-testid="build-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {lines.length === 0 && !end ? <span className="muted">Waiting for the first line…</span> : lines.map((l) => l.line).join('\n')}
      </pre>
      <div className="row">
        <button
          type="button"
          className="button subtle"
          onClick={() => {
            void navigator.clipboard?.writeText(lines.map((l) => l.line).join('\n')).then(
              () => toast.success('Log copied'),
              () => toast.error(new Error('the browser refused the clipboard')),
            );
          }}
        >
          Copy log
        </button>
      </div>
    </section>
  );
}
