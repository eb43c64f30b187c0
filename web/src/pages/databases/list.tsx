// The databases of an environment on the project page, beside its services: engine, version, status,
// replicas. Polls while a database is being created, updated or deleted (database jobs send no live
// events).
import { Link } from 'wouter';
import { useGet } from '../../lib/data';
import { Empty, LoadError, Loading } from '../../ui/layout';
import { engineLabel, StatusBadge, transient, usePoll } from './shared';
import { TableHead } from '../../ui/table';

export function DatabaseList({ org, project, env }: { org: string; project: string; env: string }) {
  const list = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/databases', { path: { org, project, env } });
  usePoll((list.data ?? []).some((d) => transient(d.status)), list.reload, 2000);
  return (
    <section className="stack" aria-labelledby="databases-title">
      <div className="row wrap">
        <h2 id="databases-title">Databases</h2>
        <span className="spacer" />
        <Link href={`/env/${env}/databases/new`} className="button">
          New database
        </Link>
      </div>
      {list.error ? (
        <LoadError error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <Loading label="Loading databases" />
      ) : list.data.length === 0 ? (
        <Empty>No databases in {env} yet: PostgreSQL, MySQL, MariaDB, MongoDB or Redis, with generated credentials and backups.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table databases" data-testid="database-list">
            <TableHead cols={['Name', 'Engine', 'Status', 'Port']} />
            <tbody>
              {list.data.map((d) => (
                <tr key={d.id} data-database={d.name}>
                  <td>
                    <Link href={`/env/${env}/databases/${d.name}`}>{d.name}</Link>
                  </td>
                  <td>
                    {engineLabel(d.engine)} {d.version}
                  </td>
                  <td>
                    <StatusBadge status={d.status} />
                    {d.replicas ? (
                      <span className="muted small" title="running / desired replicas">
                        {' '}
                        {d.replicas.running}/{d.replicas.desired}
                      </span>
                    ) : null}
                  </td>
                  <td className="mono">{d.external ? d.external.port : <span className="muted">internal</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
