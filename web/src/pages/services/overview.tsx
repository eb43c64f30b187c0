// The overview tab: state, replicas and their tasks, the live version, the newest deployment, domains.
import { Link } from 'wouter';
import type { Response } from '../../api/client';
import { useGet } from '../../lib/data';
import { RelativeTime } from '../../ui/time';
import type { ServiceProps } from './service';
import { pathOf } from './service';
import { StateBadge, versionLabel } from './state';
import { TableHead } from '../../ui/table';

type Status = Response<'/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/status'>;
type Service = Response<'/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}'>;

export function sourceLabel(spec: Record<string, unknown>): string {
  const s = spec.source as { type?: string; repository?: string; ref?: string; image?: string } | undefined;
  if (!s) return 'no source';
  if (s.type === 'git') return `${s.repository} @ ${s.ref ?? 'main'}`;
  if (s.type === 'image') return s.image ?? 'image';
  return 'uploaded archive';
}

export function Overview(p: ServiceProps & { svc: Service | undefined; status: Status | undefined }) {
  const domains = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/domains', { path: pathOf(p) });
  const st = p.status;
  return (
    <div className="cards">
      <section className="card stack" aria-labelledby="ov-status">
        <h2 id="ov-status">Status</h2>
        {!st ? (
          <p className="muted">Loading status…</p>
        ) : (
          <dl className="facts">
            <dt>State</dt>
            <dd>
              <StateBadge state={st.state} />
            </dd>
            <dt>Replicas</dt>
            <dd data-testid="replicas">
              {st.replicas.healthy}/{st.replicas.desired} healthy
            </dd>
            <dt>Live version</dt>
            <dd className="mono">{versionLabel(st.current)}</dd>
            {st.current?.commitMessage && (
              <>
                <dt>Commit</dt>
                <dd>{st.current.commitMessage}</dd>
              </>
            )}
            <dt>Deployed</dt>
            <dd>
              <RelativeTime value={st.current?.finishedAt} fallback="never" />
            </dd>
            {st.latest && st.latest.id !== st.current?.id && (
              <>
                <dt>Newest deployment</dt>
                <dd>
                  <StateBadge state={st.latest.status} /> <Link href="/deployments">see deployments</Link>
                  {st.latest.reason && <p className="field-error">{st.latest.reason}</p>}
                </dd>
              </>
            )}
          </dl>
        )}
      </section>
      <section className="card stack" aria-labelledby="ov-source">
        <h2 id="ov-source">Source</h2>
        <p className="mono break">{p.svc ? sourceLabel(p.svc.spec) : '…'}</p>
        <h3>Domains</h3>
        {domains.data?.length ? (
          <ul className="plain-list">
            {domains.data.map((d) => (
              <li key={d.host + d.pathPrefix}>
                <a href={`${d.tls?.status === 'valid' ? 'https' : 'http'}://${d.host}${d.pathPrefix}`} target="_blank" rel="noreferrer">
                  {d.host}
                  {d.pathPrefix === '/' ? '' : d.pathPrefix}
                </a>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{domains.data ? 'No domain yet.' : 'Loading…'}</p>
        )}
      </section>
      {st && st.tasks.length > 0 && (
        <section className="card stack" aria-labelledby="ov-tasks">
          <h2 id="ov-tasks">Replicas</h2>
          <div className="table-wrap" role="region" aria-label="Replica tasks (scrolls sideways)" tabIndex={0}>
            <table className="table">
              <TableHead cols={['Slot', 'State', 'Node', 'Message']} />
              <tbody>
                {st.tasks.map((t, i) => (
                  <tr key={i}>
                    <td>{t.slot ?? '—'}</td>
                    <td>
                      {t.state}
                      {t.health ? ` (${t.health})` : ''}
                    </td>
                    <td>{t.node}</td>
                    <td className="muted">{t.error ?? t.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}
