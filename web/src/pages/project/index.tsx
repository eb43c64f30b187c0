// A project: its environments as tabs, and the services of the selected environment with live status
// (running/deploying/failed/stopped, replicas healthy/desired, live version, domains). Mounted with
// `nest` at /orgs/:org/projects/:project, so the inner routes are relative:
//   /                              → the first environment (production)
//   /env/:env                      → its services
//   /env/:env/new                  → create a service (pages/services/new.tsx)
//   /env/:env/services/:service/…  → the service page (pages/services/service.tsx)
// The list is one request (…/environments/:env/status) kept current by the organisation's live events,
// and virtualized: 500 services render as the ~20 rows on screen. The service page is in this chunk
// (no second round trip when opening one); its tabs other than the overview load on demand.
import { lazy, Suspense, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link, Redirect, Route, Switch, useParams } from 'wouter';
import { useGet } from '../../lib/data';
import { EnvironmentsPanel } from '../../components/environments';
import { Empty, LoadError, Loading, PageHeader } from '../../ui/layout';
import { useLiveEvents, type StatusSummary } from '../services/live';
import ServicePage from '../services/service';
import { StateBadge, versionLabel } from '../services/state';
import { DatabaseList } from '../databases/list';

const NewService = lazy(() => import('../services/new'));
const NewDatabase = lazy(() => import('../databases/new'));
const DatabasePage = lazy(() => import('../databases/database'));

export default function ProjectPage() {
  const { org, project } = useParams<{ org: string; project: string }>();
  return (
    <Suspense fallback={<Loading />}>
      <Switch>
        <Route path="/env/:env/services/:service" nest>
          {(p: { env: string; service: string }) => <ServicePage org={org} project={project} env={p.env} service={p.service} />}
        </Route>
        <Route path="/env/:env/databases/new">{(p: { env: string }) => <NewDatabase org={org} project={project} env={p.env} />}</Route>
        <Route path="/env/:env/databases/:database" nest>
          {(p: { env: string; database: string }) => <DatabasePage org={org} project={project} env={p.env} database={p.database} />}
        </Route>
        <Route path="/env/:env/new">{(p: { env: string }) => <NewService org={org} project={project} env={p.env} />}</Route>
        <Route path="/env/:env">{(p: { env: string }) => <ProjectOverview org={org} project={project} env={p.env} />}</Route>
        <Route>
          <FirstEnvironment org={org} project={project} />
        </Route>
      </Switch>
    </Suspense>
  );
}

function FirstEnvironment({ org, project }: { org: string; project: string }) {
  const envs = useGet('/api/orgs/{org}/projects/{project}/environments', { path: { org, project } });
  if (envs.error) return <LoadError error={envs.error} retry={envs.reload} />;
  if (!envs.data) return <Loading />;
  const first = envs.data.find((e) => e.name === 'production') ?? envs.data[0];
  if (!first) {
    return (
      <div className="stack">
        <PageHeader title={project} crumbs={[{ href: `~/orgs/${org}`, label: 'Projects' }]} />
        <EnvironmentsPanel org={org} project={project} />
      </div>
    );
  }
  return <Redirect to={`/env/${first.name}`} replace />;
}

function ProjectOverview({ org, project, env }: { org: string; project: string; env: string }) {
  const envs = useGet('/api/orgs/{org}/projects/{project}/environments', { path: { org, project } });
  const status = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/status', { path: { org, project, env } });
  // Live changes overlay the loaded list (a status event carries the service's whole summary).
  const [live, setLive] = useState<Record<string, StatusSummary>>({});
  useLiveEvents(org, (e) => {
    if (e.event === 'status' && e.data.service.project === project && e.data.service.environment === env) {
      setLive((m) => ({ ...m, [e.data.id]: e.data }));
    } else if (e.event === 'reconnect') status.reload();
  });
  // Database services have their own list (below), with their own status.
  const services = useMemo(() => (status.data ?? []).filter((s) => s.kind !== 'database').map((s) => live[s.id] ?? s), [status.data, live]);

  return (
    <div className="stack">
      <PageHeader title={project} crumbs={[{ href: `~/orgs/${org}`, label: 'Projects' }]}>
        <Link href={`/env/${env}/new`} className="button primary">
          New service
        </Link>
      </PageHeader>
      <nav aria-label="Environments" className="tabs">
        {(envs.data ?? [{ name: env }]).map((e) => (
          <Link key={e.name} href={`/env/${e.name}`} className={e.name === env ? 'tab active' : 'tab'} aria-current={e.name === env ? 'page' : undefined}>
            {e.name}
          </Link>
        ))}
      </nav>
      {status.error ? (
        <LoadError error={status.error} retry={status.reload} />
      ) : !status.data ? (
        <Loading label="Loading services" />
      ) : services.length === 0 ? (
        <Empty>
          No services in {env} yet. <Link href={`/env/${env}/new`}>Create one</Link> from a git repository, a Docker image or an archive.
        </Empty>
      ) : (
        <ServiceList env={env} services={services} />
      )}
      <DatabaseList org={org} project={project} env={env} />
      <details className="card">
        <summary>Environments</summary>
        <EnvironmentsPanel org={org} project={project} />
      </details>
    </div>
  );
}

const ROW_HEIGHT = 64;

function ServiceList({ env, services }: { env: string; services: StatusSummary[] }) {
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? services.filter((s) => s.name.includes(f) || s.domains.some((d) => d.includes(f))) : services;
  }, [services, filter]);
  const counts = useMemo(() => {
    const c: Record<string, number> = {};
    for (const s of services) c[s.state] = (c[s.state] ?? 0) + 1;
    return c;
  }, [services]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });

  return (
    <section className="stack" aria-label="Services">
      <div className="row service-list-bar">
        <div className="field inline-field">
          <label htmlFor="service-filter">Filter services</label>
          <input id="service-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name or domain" />
        </div>
        <p className="muted" aria-live="polite">
          {shown.length} of {services.length} services
          {Object.entries(counts).map(([state, n]) => ` · ${n} ${state}`)}
        </p>
      </div>
      <div ref={scroller} className="service-scroller" data-testid="service-list">
        <ul className="service-list" style={{ height: virtual.getTotalSize() }}>
          {virtual.getVirtualItems().map((row) => {
            const s = shown[row.index]!;
            return (
              <li key={s.id} className="service-row" style={{ transform: `translateY(${row.start}px)`, height: ROW_HEIGHT }} data-service={s.name} aria-posinset={row.index + 1} aria-setsize={shown.length}>
                <div className="service-name">
                  <Link href={`/env/${env}/services/${s.name}`}>{s.name}</Link>
                  <span className="muted small">{versionLabel(s.current)}</span>
                </div>
                <StateBadge state={s.state} />
                <span className="replicas" title="healthy / desired replicas">
                  {s.replicas.healthy}/{s.replicas.desired}
                  <span className="visually-hidden"> replicas healthy</span>
                </span>
                <span className="domains">
                  {s.domains[0] ? (
                    <a href={`http://${s.domains[0]}`} target="_blank" rel="noreferrer">
                      {s.domains[0]}
                    </a>
                  ) : (
                    <span className="muted">no domain</span>
                  )}
                  {s.domains.length > 1 && <span className="muted"> +{s.domains.length - 1}</span>}
                </span>
              </li>
            );
          })}
        </ul>
      </div>
    </section>
  );
}
