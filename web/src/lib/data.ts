// Data loading with a shared cache: a page shows what it already has at once (no full-page spinner
// for data already loaded) and refreshes it in the background. Keys are the API URL that was fetched,
// so `invalidate('/api/orgs/acme')` refreshes everything under that organisation after a mutation.
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { api, fillPath, type ApiError, type PathsFor, type Response } from '../api/client';

interface Entry {
  data?: unknown;
  error?: ApiError;
  loading: boolean;
  fetcher: (signal: AbortSignal) => Promise<unknown>;
  controller?: AbortController;
  snapshot: Snapshot<unknown>;
}

export interface Snapshot<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** True while a request is in flight (also when refreshing data that is already shown). */
  loading: boolean;
}

const cache = new Map<string, Entry>();
const listeners = new Map<string, Set<() => void>>();
const EMPTY: Snapshot<never> = { data: undefined, error: undefined, loading: true };

function notify(key: string): void {
  const e = cache.get(key);
  if (e) e.snapshot = { data: e.data, error: e.error, loading: e.loading };
  for (const fn of listeners.get(key) ?? []) fn();
}

function load(key: string): void {
  const e = cache.get(key);
  if (!e) return;
  e.controller?.abort();
  const controller = new AbortController();
  e.controller = controller;
  e.loading = true;
  notify(key);
  e.fetcher(controller.signal).then(
    (data) => {
      if (controller.signal.aborted) return;
      Object.assign(e, { data, error: undefined, loading: false, controller: undefined });
      notify(key);
    },
    (err: unknown) => {
      if (controller.signal.aborted) return;
      Object.assign(e, { error: err as ApiError, loading: false, controller: undefined });
      notify(key);
    },
  );
}

/** Refetch every cached entry whose key starts with `prefix` (entries nobody shows are dropped instead). */
export function invalidate(prefix: string): void {
  for (const key of [...cache.keys()]) {
    if (!key.startsWith(prefix)) continue;
    if (listeners.get(key)?.size) load(key);
    else cache.delete(key);
  }
}

/** Replace the cached value (e.g. with a mutation's answer) without a request. */
export function setCached(key: string, data: unknown): void {
  const e = cache.get(key);
  if (!e) return;
  e.data = data;
  e.error = undefined;
  notify(key);
}

/** Forget everything (logout). */
export function clearCache(): void {
  for (const e of cache.values()) e.controller?.abort();
  cache.clear();
}

/** Any fetcher under a cache key; `null` key = do not load. */
export function useData<T>(key: string | null, fetcher: (signal: AbortSignal) => Promise<T>): Snapshot<T> & { reload: () => void } {
  const subscribe = useCallback(
    (fn: () => void) => {
      if (key === null) return () => {};
      let set = listeners.get(key);
      if (!set) listeners.set(key, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
    [key],
  );
  const snap = useSyncExternalStore(subscribe, () => (key === null ? EMPTY : (cache.get(key)?.snapshot ?? EMPTY))) as Snapshot<T>;
  useEffect(() => {
    if (key === null) return;
    const existing = cache.get(key);
    if (existing) {
      existing.fetcher = fetcher as Entry['fetcher'];
      load(key); // show the cached value now, refresh it in the background
    } else {
      cache.set(key, { loading: true, fetcher: fetcher as Entry['fetcher'], snapshot: EMPTY });
      load(key);
    }
    // The fetcher is keyed by `key`: a new closure for the same key does not refetch.
  }, [key]);
  const reload = useCallback(() => {
    if (key !== null) load(key);
  }, [key]);
  return { ...snap, reload };
}

type GetOpts<P extends PathsFor<'get'>> = Parameters<typeof api.get<P>>[1];

/** A typed GET through the cache: `useGet('/api/orgs/{org}/projects', { path: { org } })`. */
export function useGet<P extends PathsFor<'get'>>(path: P | null, opts?: GetOpts<P>): Snapshot<Response<P>> & { reload: () => void } {
  const o = opts as { path?: Record<string, string>; query?: Record<string, string> } | undefined;
  const key = path === null ? null : fillPath(path, o?.path) + (o?.query ? '?' + new URLSearchParams(o.query).toString() : '');
  return useData(key, (signal) => (api.get as (p: string, o: object) => Promise<Response<P>>)(path as string, { ...(o ?? {}), signal }));
}
