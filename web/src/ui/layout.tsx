// The shell: skip link, header (brand, organisation switcher, navigation, theme, user, sign out),
// the page's <main>, and the toasts. Pages render inside <Shell> and start with <PageHeader>.
import { useEffect, useRef, type ReactNode } from 'react';
import { Link, useLocation, useRoute } from 'wouter';
import { defaultOrg, logout, rememberOrg, useMe } from '../lib/session';
import { ThemeToggle } from './theme';
import { toast } from './toast';

export function useCurrentOrg(): string | undefined {
  const [, params] = useRoute<{ org: string }>('/orgs/:org/*?');
  const me = useMe();
  return params?.org ?? defaultOrg(me.data);
}

function NavLink({ href, children, exact = false }: { href: string; children: ReactNode; exact?: boolean }) {
  const [location] = useLocation();
  const active = exact ? location === href : location === href || location.startsWith(href + '/');
  return (
    <Link href={href} className={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
      {children}
    </Link>
  );
}

function OrgSwitcher({ current }: { current: string | undefined }) {
  const me = useMe();
  const [, navigate] = useLocation();
  const orgs = me.data?.organizations ?? [];
  return (
    <div className="org-switcher">
      <label htmlFor="org-switcher" className="visually-hidden">
        Organisation
      </label>
      <select
        id="org-switcher"
        value={current ?? ''}
        onChange={(e) => {
          if (e.target.value === '__manage') return navigate('/orgs');
          rememberOrg(e.target.value);
          navigate(`/orgs/${e.target.value}`);
        }}
      >
        {orgs.map((o) => (
          <option key={o.id} value={o.name}>
            {o.name}
          </option>
        ))}
        <option value="__manage">All organisations…</option>
      </select>
    </div>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const me = useMe();
  const org = useCurrentOrg();
  const [location, navigate] = useLocation();
  // After client-side navigation, move focus to the page (screen readers announce the new page;
  // the next Tab starts in the content). Not on the first load.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [location]);
  const user = me.data?.user;
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Berth home">
          <span className="brand-mark" aria-hidden="true" />
          Berth
        </Link>
        <OrgSwitcher current={org} />
        <nav aria-label="Main" className="nav">
          {org && <NavLink href={`/orgs/${org}`} exact>Projects</NavLink>}
          {org && <NavLink href={`/orgs/${org}/members`}>Members</NavLink>}
          {org && <NavLink href={`/orgs/${org}/backup-destinations`}>Backups</NavLink>}
          <NavLink href="/account/api-keys">API keys</NavLink>
          {user?.isInstanceAdmin && <NavLink href="/status">Server</NavLink>}
        </nav>
        <div className="topbar-end">
          <ThemeToggle />
          <span className="user-name" title={user?.email}>
            {user?.name}
          </span>
          <button
            type="button"
            className="button subtle"
            onClick={async () => {
              try {
                await logout();
                navigate('/login', { replace: true });
                toast.info('Signed out');
              } catch (err) {
                toast.error(err);
              }
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="content">
        {children}
      </main>
    </div>
  );
}

export function PageHeader({ title, children, crumbs }: { title: ReactNode; children?: ReactNode; crumbs?: { href: string; label: string }[] }) {
  const text = typeof title === 'string' ? title : undefined;
  useEffect(() => {
    if (text) document.title = `${text} · Berth`;
  }, [text]);
  return (
    <div className="page-header">
      <div>
        {crumbs && crumbs.length > 0 && (
          <nav aria-label="Breadcrumb" className="crumbs">
            {crumbs.map((c) => (
              <span key={c.href}>
                <Link href={c.href}>{c.label}</Link>
                <span aria-hidden="true"> / </span>
              </span>
            ))}
          </nav>
        )}
        <h1>{title}</h1>
      </div>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}

/** Inline loading placeholder for a section whose data is not there yet (never a full-page spinner). */
export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <p className="loading" aria-busy="true">
      <span className="spinner" aria-hidden="true" /> {label}…
    </p>
  );
}

/** The error of a failed load, with a retry. */
export function LoadError({ error, retry }: { error: { message: string }; retry?: () => void }) {
  return (
    <div className="load-error" role="alert">
      <span>{error.message}</span>
      {retry && (
        <button type="button" className="button subtle" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
