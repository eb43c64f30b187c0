// The signed-in user and their organisations (GET /api/me), the auth guard, and logout.
import { useEffect, type ReactNode } from 'react';
import { Redirect, useLocation } from 'wouter';
import { api, onUnauthorized, type Response } from '../api/client';
import { clearCache, invalidate, useGet } from './data';

export type Me = Response<'/api/me'>;

export function useMe() {
  return useGet('/api/me');
}

const LAST_ORG = 'berth.org';
export function rememberOrg(org: string): void {
  try {
    localStorage.setItem(LAST_ORG, org);
  } catch {
    /* ignore */
  }
}
/** The organisation to open by default: the last one used if still a member, else the first. */
export function defaultOrg(me: Me | undefined): string | undefined {
  const names = me?.organizations.map((o) => o.name) ?? [];
  let last: string | null = null;
  try {
    last = localStorage.getItem(LAST_ORG);
  } catch {
    /* ignore */
  }
  return last && names.includes(last) ? last : names[0];
}

export async function logout(): Promise<void> {
  try {
    await api.post('/api/auth/logout');
  } finally {
    clearCache();
  }
}

/** Renders children for a signed-in user; otherwise goes to /setup (no owner yet) or /login?next=…. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const [location] = useLocation();
  const setup = useGet(me.error?.status === 401 ? '/api/setup' : null);
  // A session that expires while a page is open: any other request answering 401 re-checks /api/me.
  useEffect(() => onUnauthorized((url) => url !== '/api/me' && invalidate('/api/me')), []);
  if (me.data && !me.error) return <>{children}</>;
  if (me.error?.status === 401) {
    if (!setup.data) return <div className="page-loading" aria-busy="true" />;
    if (setup.data.required) return <Redirect to="/setup" replace />;
    const next = location && location !== '/' ? `?next=${encodeURIComponent(location)}` : '';
    return <Redirect to={`/login${next}`} replace />;
  }
  if (me.error)
    return (
      <main className="centered">
        <p role="alert" className="form-error">
          {me.error.message}
        </p>
        <button type="button" className="button" onClick={me.reload}>
          Try again
        </button>
      </main>
    );
  return <div className="page-loading" aria-busy="true" />;
}
