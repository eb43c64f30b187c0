// The route table. Public: /setup, /login. Everything else needs a session (RequireAuth) and renders
// inside the shell. Pages other than setup/login are lazy chunks.
import { lazy, Suspense, type ComponentType } from 'react';
import { Redirect, Route, Switch } from 'wouter';
import { defaultOrg, RequireAuth, useMe } from './lib/session';
import { Loading, Shell } from './ui/layout';
import { Toaster } from './ui/toast';
import { LoginPage } from './pages/login';
import { SetupPage } from './pages/setup';

const OrgsPage = lazy(() => import('./pages/orgs'));
const ProjectsPage = lazy(() => import('./pages/projects'));
const MembersPage = lazy(() => import('./pages/members'));
const ApiKeysPage = lazy(() => import('./pages/api-keys'));
const StatusPage = lazy(() => import('./pages/status'));
const ProjectPage = lazy(() => import('./pages/project/index'));
const DestinationsPage = lazy(() => import('./pages/destinations/index'));

function Home() {
  const me = useMe();
  const org = defaultOrg(me.data);
  return <Redirect to={org ? `/orgs/${org}` : '/orgs'} replace />;
}

function NotFound() {
  return (
    <div className="stack">
      <h1>Not found</h1>
      <p>
        There is nothing at this address. <a href="/">Go to the dashboard</a>.
      </p>
    </div>
  );
}

function page(C: ComponentType) {
  return function Lazy() {
    return (
      <Suspense fallback={<Loading />}>
        <C />
      </Suspense>
    );
  };
}

const Orgs = page(OrgsPage);
const Projects = page(ProjectsPage);
const Members = page(MembersPage);
const ApiKeys = page(ApiKeysPage);
const Status = page(StatusPage);
const Project = page(ProjectPage);
const Destinations = page(DestinationsPage);

export function App() {
  return (
    <>
      <Switch>
        <Route path="/setup" component={SetupPage} />
        <Route path="/login" component={LoginPage} />
        <Route>
          <RequireAuth>
            <Shell>
              <Switch>
                <Route path="/" component={Home} />
                <Route path="/orgs" component={Orgs} />
                <Route path="/orgs/:org" component={Projects} />
                <Route path="/orgs/:org/members" component={Members} />
                <Route path="/orgs/:org/backup-destinations" component={Destinations} />
                <Route path="/orgs/:org/projects/:project" component={Project} nest />
                <Route path="/account/api-keys" component={ApiKeys} />
                <Route path="/status" component={Status} />
                <Route component={NotFound} />
              </Switch>
            </Shell>
          </RequireAuth>
        </Route>
      </Switch>
      <Toaster />
    </>
  );
}
