// Server status (instance administrators): health of the database, Docker, Swarm and the proxy; the
// Swarm's nodes; the job queue of every organisation with positions. Refreshes every 5 s.
import { useEffect } from 'react';
import { useGet } from '../lib/data';
import { useMe } from '../lib/session';
import { Empty, LoadError, Loading, PageHeader } from '../ui/layout';
import { RelativeTime } from '../ui/time';
import { TableHead } from '../ui/table';

function gib(bytes: number): string {
  return bytes ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : '—';
}

export default function StatusPage() {
  const me = useMe();
  const admin = me.data?.user.isInstanceAdmin === true;
  const status = useGet(admin ? '/api/system/status' : null);
  const { reload } = status;
  useEffect(() => {
    if (!admin) return;
    const id = setInterval(reload, 5000);
    return () => clearInterval(id);
  }, [admin, reload]);
  if (!admin)
    return (
      <div className="stack">
        <PageHeader title="Server" />
        <p>Only an instance administrator can see the server status.</p>
      </div>
    );
  const s = status.data;
  const components = s ? (['database', 'docker', 'swarm', 'proxy'] as const).map((k) => ({ name: k, ...s.health[k] })) : [];
  return (
    <div className="stack">
      <PageHeader title="Server">
        {s && (
          <span className={`badge ${s.health.status === 'ok' ? 'ok' : s.health.status === 'degraded' ? 'warn' : 'danger'}`} data-testid="overall-status">
            {s.health.status}
          </span>
        )}
      </PageHeader>
      {status.error && <LoadError error={status.error} retry={status.reload} />}
      {!s ? (
        !status.error && <Loading />
      ) : (
        <>
          <section aria-labelledby="components" className="stack">
            <h2 id="components">Components</h2>
            <ul className="cards" aria-label="Components">
              {components.map((c) => (
                <li key={c.name} className="card" data-component={c.name}>
                  <h3>
                    <span className={`status-dot ${c.ok ? 'ok' : 'danger'}`} aria-hidden="true" />
                    {c.name[0]!.toUpperCase() + c.name.slice(1)} <span className="visually-hidden">{c.ok ? 'healthy' : 'unhealthy'}</span>
                  </h3>
                  <p className={c.ok ? 'muted' : ''}>{c.detail}</p>
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="nodes" className="stack">
            <h2 id="nodes">Swarm nodes</h2>
            {s.nodesError && <p className="form-error">{s.nodesError}</p>}
            {s.nodes.length === 0 && !s.nodesError ? (
              <Empty>No Swarm nodes.</Empty>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <TableHead cols={['Host', 'Role', 'State', 'Availability', 'Address', 'Engine', 'CPUs / memory']} />
                  <tbody>
                    {s.nodes.map((n) => (
                      <tr key={n.id}>
                        <td>
                          {n.hostname} {n.leader && <span className="badge accent">leader</span>}
                        </td>
                        <td>{n.role}</td>
                        <td>
                          <span className={`badge ${n.state === 'ready' ? 'ok' : 'danger'}`}>{n.state}</span>
                        </td>
                        <td>{n.availability}</td>
                        <td className="mono">{n.address}</td>
                        <td>
                          {n.engineVersion} <span className="muted">{n.platform}</span>
                        </td>
                        <td>
                          {n.cpus || '—'} / {gib(n.memoryBytes)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section aria-labelledby="queue" className="stack">
            <h2 id="queue">
              Job queue <span className="muted">— {s.queue.running} running, {s.queue.queued} queued</span>
            </h2>
            {s.queue.jobs.length === 0 ? (
              <Empty>The queue is empty.</Empty>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <TableHead cols={['Position', 'Job', 'Organisation', 'Service', 'State', 'Queued', 'Started']} />
                  <tbody>
                    {s.queue.jobs.map((j) => (
                      <tr key={j.id}>
                        <td>{j.position ?? '—'}</td>
                        <td>
                          {j.type} <span className="muted mono">{j.id.slice(0, 8)}</span>
                        </td>
                        <td>{j.organization ?? '—'}</td>
                        <td>{j.service ?? '—'}</td>
                        <td>
                          <span className={`badge ${j.state === 'running' ? 'accent' : ''}`}>{j.state}</span>
                          {j.lockedBy && <span className="muted"> on {j.lockedBy}</span>}
                        </td>
                        <td>
                          <RelativeTime value={j.createdAt} />
                        </td>
                        <td>
                          <RelativeTime value={j.startedAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </div>
  );
}
