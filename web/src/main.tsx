/*
 * Berth dashboard — entry point and CONVENTIONS (read before adding a page).
 *
 * Layout of web/src:
 *   main.tsx            this file: mounts <App/>.
 *   app.tsx             the route table (wouter). Pages are lazy-loaded (React.lazy) so the initial JS
 *                       stays ≤ 250 KB gzip; only setup/login/shell are in the first chunk.
 *   api/client.ts       the typed API client: `api.get('/api/orgs/{org}/projects', { path: { org } })`.
 *                       Types come from api/schema.d.ts, GENERATED from the server's OpenAPI document:
 *                       after changing a route run `npm run web:schema` and commit the file (a test
 *                       fails when it is stale). Only public /api routes; cookie session + x-csrf-token
 *                       (taken from the berth_csrf cookie) are handled by the client. Errors throw
 *                       ApiError { status, code, message, issues[] }.
 *   lib/data.ts         `useGet(path, opts)` — cached GET: data already loaded shows at once and is
 *                       refreshed in the background (no full-page spinners). After a mutation call
 *                       `invalidate('/api/orgs/acme/projects')` (prefix of the fetched URL).
 *                       `useData(key, fetcher)` for anything else under a cache key.
 *   lib/session.tsx     useMe() (GET /api/me), RequireAuth (401 → /setup or /login?next=), logout().
 *   ui/layout.tsx       <Shell> (header, org switcher, nav), <PageHeader title crumbs>, <Loading>,
 *                       <LoadError error retry>, <Empty>, useCurrentOrg().
 *   ui/form.tsx         useAction(fn, { success }) → { run, submit, pending, error, fieldError };
 *                       <TextField>/<SelectField>/<Field> (always a visible <label>), <FormError>,
 *                       <Submit>, <ConfirmButton>. A 400's issues[].path "body/spec/replicas" is shown
 *                       next to the field named "replicas" (last path segment) — name your fields
 *                       after the API's body keys; other errors show in <FormError> (role=alert).
 *   ui/toast.tsx        toast.success('Service created') / toast.error(err) — every action gives
 *                       feedback; form errors are shown inline instead of (not in addition to) toasts.
 *   ui/time.tsx         <RelativeTime value={iso}/> — the ONLY way to show a timestamp (relative,
 *                       exact time on hover; one shared ticker).
 *   ui/theme.tsx        light/dark via prefers-color-scheme + toggle (html[data-theme]).
 *   styles.css          hand-written CSS with custom properties (--bg, --fg, --muted, --border,
 *                       --accent, --danger, --ok, --warn, --radius, --space-1..6). No UI kit. Classes:
 *                       .button(.primary|.subtle|.danger|.danger-outline), .card, .table (wrap in
 *                       .table-wrap for narrow screens), .badge(.ok|.warn|.danger|.muted), .stack,
 *                       .row, .muted, .mono, .visually-hidden, .field, .form-grid. Mobile first: works
 *                       from 360 px; use .table-wrap or .cards for lists.
 *   pages/*.tsx         foundation pages (setup, login, orgs, members, api keys, projects, status).
 *   pages/project/**    OWNED BY THE PROJECT/SERVICES HELPER: pages/project/index.tsx (default export)
 *                       renders everything under /orgs/:org/projects/:project/* (environments panel
 *                       from components/environments.tsx, services list, service pages from
 *                       pages/services/**); route params via wouter's useParams / nested <Route>.
 *   components/         shared widgets (environments.tsx: list/create/delete environments).
 *
 * Rules: keyboard reachable (real <button>/<a>, visible focus), every input labelled, every list
 * usable at 360 px, no new runtime dependencies, no inline styles beyond one-off layout tweaks.
 * Browser tests: test/browser/*.int.test.ts with test/browser/support (startServer, openBrowser,
 * checkA11y, checkFocusOrder, screenshot).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
