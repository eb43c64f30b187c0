// The service page: a header with the live state and the deploy button, and tabs — overview,
// deployments, logs, environment, domains, settings, danger zone. Mounted with `nest` at
// …/env/:env/services/:service, so tab routes are relative ("/deployments"). The status and the
// deployment list follow the organisation's live events; tabs load only what they show.
import { lazy, Suspense } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { api } from '../../api/client';
import { invalidate, useGet } from '../../lib/data';
import { useAction } from '../../ui/form';
import { LoadError, Loading, PageHeader } from '../../ui/layout';
import { useLiveEvents } from './live';
import { StateBadge } from './state';
import { Overview } from './overview';
import './services.css';

const Deployments = lazy(() => import('./deployments'));
const RuntimeLogs = lazy(() => import('./logs'));
const EnvVars = lazy(() => import('./env'));
const Domains = lazy(() => import('./domains'));
const Settings = lazy(() => import('./settings'));
const DangerZone = lazy(() => import('./danger'));

export interface ServiceProps {
  org: string;
  project: string;
  env: string;
  service: string;
}

export const serviceUrl = (p: ServiceProps) => `/api/orgs/${p.org}/projects/${p.project}/environments/${p.env}/services/${p.service}`;
export const pathOf = (p: ServiceProps) => ({ org: p.org, project: p.project, env: p.env, service: p.service });

const TABS = [
  { path: '', label: 'Overview' },
  { path: '/deployments', label: 'Deployments' },
  { path: '/logs', label: 'Logs' },
  { path: '/env', label: 'Environment' },
  { path: '/domains', label: 'Domains' },
  { path: '/settings', label: 'Settings' },
  { path: '/danger', label: 'Danger zone' },
];

/** Starts a deployment; shared by the header and the overview. */
export function useDeploy(p: ServiceProps) {
  const [, navigate] = useLocation();
  return useAction(() => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/deployments', { path: pathOf(p) }), {
    success: 'Deployment queued',
    toastErrors: true,
    onDone: () => {
      invalidate(serviceUrl(p));
      navigate('/deployments');
    },
  });
}

export default function ServicePage(p: ServiceProps) {
  const [location] = useLocation();
  const svc = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}', { path: pathOf(p) });
  const status = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/status', { path: pathOf(p) });
  const deploy = useDeploy(p);
  useLiveEvents(p.org, (e) => {
    const mine = e.event === 'status' || e.event === 'deployment' ? e.data.service.name === p.service && e.data.service.project === p.project && e.data.service.environment === p.env : false;
    if (mine || e.event === 'reconnect') status.reload();
  });

  if (svc.error) return <LoadError error={svc.error} retry={svc.reload} />;
  const active = TABS.find((t) => t.path && location.startsWith(t.path))?.path ?? '';
  return (
    <div className="stack">
      <PageHeader
        title={
          <span className="row">
            {p.service} {status.data && <StateBadge state={status.data.state} />}
          </span>
        }
        crumbs={[
          { href: `~/orgs/${p.org}`, label: 'Projects' },
          { href: `~/orgs/${p.org}/projects/${p.project}/env/${p.env}`, label: `${p.project} · ${p.env}` },
        ]}
      >
        <button type="button" className="button primary" onClick={() => void deploy.run()} disabled={deploy.pending} aria-busy={deploy.pending || undefined}>
          {deploy.pending ? <span className="spinner" aria-hidden="true" /> : null}Deploy
        </button>
      </PageHeader>
      <nav aria-label="Service" className="tabs">
        {TABS.map((t) => (
          <Link key={t.label} href={t.path || '/'} className={t.path === active ? 'tab active' : 'tab'} aria-current={t.path === active ? 'page' : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      <Suspense fallback={<Loading />}>
        <Switch>
          <Route path="/deployments">
            <Deployments {...p} />
          </Route>
          <Route path="/logs">
            <RuntimeLogs {...p} />
          </Route>
          <Route path="/env">
            <EnvVars {...p} />
          </Route>
          <Route path="/domains">
            <Domains {...p} />
          </Route>
          <Route path="/settings">{svc.data ? <Settings {...p} spec={svc.data.spec} onSaved={svc.reload} /> : <Loading />}</Route>
          <Route path="/danger">
            <DangerZone {...p} status={status.data} />
          </Route>
          <Route>
            <Overview {...p} svc={svc.data} status={status.data} />
          </Route>
        </Switch>
      </Suspense>
    </div>
  );
}
