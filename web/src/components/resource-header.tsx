// The header of a service's or a database's page: its name with a status badge, the crumbs back to
// the organisation and the environment, optional actions, and the tab bar. The page is mounted with
// `nest`, so tab paths are relative ('' is the first tab, "/logs" …); the active one is marked.
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { PageHeader } from '../ui/layout';

export interface Tab {
  path: string;
  label: string;
}

export function ResourceHeader(p: { org: string; project: string; env: string; name: string; badge: ReactNode; tabs: readonly Tab[]; tabsLabel: string; children?: ReactNode }) {
  const [location] = useLocation();
  const active = p.tabs.find((t) => t.path && location.startsWith(t.path))?.path ?? '';
  return (
    <>
      <PageHeader
        title={
          <span className="row">
            {p.name} {p.badge}
          </span>
        }
        crumbs={[
          { href: `~/orgs/${p.org}`, label: 'Projects' },
          { href: `~/orgs/${p.org}/projects/${p.project}/env/${p.env}`, label: `${p.project} · ${p.env}` },
        ]}
      >
        {p.children}
      </PageHeader>
      <nav aria-label={p.tabsLabel} className="tabs">
        {p.tabs.map((t) => (
          <Link key={t.label} href={t.path || '/'} className={t.path === active ? 'tab active' : 'tab'} aria-current={t.path === active ? 'page' : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
    </>
  );
}
