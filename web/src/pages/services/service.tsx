// The service page: a header with the live state and the deploy button, and tabs — overview,
// deployments, logs, environment, domains, settings, danger zone. Mounted with `nest` at
// …/env/:env/services/:service, so tab routes are relative ("/deployments"). The status and the
// deployment list follow the organisation's live events; tabs load only what they show.
import { lazy, Suspense, useRef } from 'react';
import { Route, Switch, useLocation } from 'wouter';
import { api } from '../../api/client';
import { invalidate, useGet } from '../../lib/data';
import { useAction } from '../../ui/form';
import { LoadError, Loading } from '../../ui/layout';
import { ResourceHeader } from '../../components/resource-header';
import { useLiveEvents } from './live';
import { uploadArchive } from './upload';
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

/** What the tabs know of the service beyond its path: its source kind and live deployment. */
export interface LiveServiceProps extends ServiceProps {
  source?: string | undefined;
  current?: string | null | undefined;
}

/**
 * Deploy ('build': new code — a git or image source is fetched and built again) or apply ('apply': the
 * settings and variables as they are now, on the live image, without a build). An uploaded-archive
 * service has no code to fetch: both re-release its live image (new code comes with an upload).
 */
export function useDeploy(p: LiveServiceProps, mode: 'build' | 'apply' = 'build') {
  const [, navigate] = useLocation();
  const release = !!p.current && (mode === 'apply' || p.source === 'archive');
  return useAction(
    () =>
      release
        ? api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/rollback', { path: pathOf(p), body: { to: p.current! } })
        : api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/deployments', { path: pathOf(p) }),
    {
      success: release ? 'Re-releasing the live version with the current settings' : 'Deployment queued',
      toastErrors: true,
      onDone: () => {
        invalidate(serviceUrl(p));
        navigate('/deployments');
      },
    },
  );
}

/** An archive service's Deploy: pick a .tar.gz, upload it, watch it build. */
function UploadButton(p: ServiceProps) {
  const [, navigate] = useLocation();
  const input = useRef<HTMLInputElement>(null);
  const upload = useAction((file: File) => uploadArchive(`${serviceUrl(p)}/archive`, file), {
    success: 'Archive uploaded, deploying',
    toastErrors: true,
    onDone: () => {
      invalidate(serviceUrl(p));
      navigate('/deployments');
    },
  });
  return (
    <>
      <input
        ref={input}
        type="file"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        accept=".tar.gz,.tgz,.tar,application/gzip,application/x-tar"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void upload.run(file);
        }}
      />
      <button type="button" className="button primary" onClick={() => input.current?.click()} disabled={upload.pending} aria-busy={upload.pending || undefined}>
        {upload.pending ? <span className="spinner" aria-hidden="true" /> : null}Upload and deploy
      </button>
    </>
  );
}

export default function ServicePage(p: ServiceProps) {
  const svc = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}', { path: pathOf(p) });
  const status = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/status', { path: pathOf(p) });
  const source = (svc.data?.spec.source as { type?: string } | undefined)?.type;
  const live: LiveServiceProps = { ...p, source, current: svc.data?.currentDeploymentId };
  const deploy = useDeploy(live);
  useLiveEvents(p.org, (e) => {
    const mine = e.event === 'status' || e.event === 'deployment' ? e.data.service.name === p.service && e.data.service.project === p.project && e.data.service.environment === p.env : false;
    if (mine || e.event === 'reconnect') status.reload();
    // A deployment that went live changes the service's live deployment.
    if ((mine && e.event === 'deployment' && e.data.status === 'succeeded') || e.event === 'reconnect') svc.reload();
  });

  if (svc.error) return <LoadError error={svc.error} retry={svc.reload} />;
  return (
    <div className="stack">
      <ResourceHeader org={p.org} project={p.project} env={p.env} name={p.service} badge={status.data && <StateBadge state={status.data.state} />} tabs={TABS} tabsLabel="Service">
        {source === 'archive' ? (
          <UploadButton {...p} />
        ) : (
          <button type="button" className="button primary" onClick={() => void deploy.run()} disabled={deploy.pending || !svc.data} aria-busy={deploy.pending || undefined}>
            {deploy.pending ? <span className="spinner" aria-hidden="true" /> : null}Deploy
          </button>
        )}
      </ResourceHeader>
      <Suspense fallback={<Loading />}>
        <Switch>
          <Route path="/deployments">
            <Deployments {...live} />
          </Route>
          <Route path="/logs">
            <RuntimeLogs {...p} />
          </Route>
          <Route path="/env">
            <EnvVars {...live} />
          </Route>
          <Route path="/domains">
            <Domains {...p} />
          </Route>
          <Route path="/settings">{svc.data ? <Settings {...live} spec={svc.data.spec} onSaved={svc.reload} /> : <Loading />}</Route>
          <Route path="/danger">
            <DangerZone {...live} status={status.data} />
          </Route>
          <Route>
            <Overview {...p} svc={svc.data} status={status.data} />
          </Route>
        </Switch>
      </Suspense>
    </div>
  );
}
