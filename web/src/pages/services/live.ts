// Live updates from GET /api/orgs/{org}/events (server-sent events): one EventSource per organisation,
// shared by every component that listens, closed when the last one stops or the tab is hidden. The
// browser reconnects by itself; after any gap the listeners get a 'reconnect' event and reload.
import { useEffect, useRef } from 'react';
import type { Response } from '../../api/client';

export type Deployment = Response<'/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/deployments/{id}'>;
export type StatusSummary = Response<'/api/orgs/{org}/projects/{project}/environments/{env}/status'>[number];

export interface ServiceRef {
  id: string;
  name: string;
  project: string;
  environment: string;
}

export type LiveEvent =
  | { event: 'deployment'; data: Deployment & { service: ServiceRef } }
  | { event: 'status'; data: StatusSummary & { service: ServiceRef } }
  | { event: 'job'; data: { jobId: string; type: string; serviceId: string | null; state: string; version: number; reason?: string } }
  | { event: 'reconnect'; data: null };

type Listener = (e: LiveEvent) => void;

interface Channel {
  source: EventSource | null;
  listeners: Set<Listener>;
  onVisibility: () => void;
}

const channels = new Map<string, Channel>();

function connect(org: string, channel: Channel, afterGap: boolean): EventSource {
  const source = new EventSource(`/api/orgs/${encodeURIComponent(org)}/events`, { withCredentials: true });
  const dispatch = (e: LiveEvent) => channel.listeners.forEach((l) => l(e));
  for (const name of ['deployment', 'status', 'job'] as const) {
    source.addEventListener(name, (m) => dispatch({ event: name, data: JSON.parse((m as MessageEvent<string>).data) } as LiveEvent));
  }
  let opened = false;
  source.addEventListener('ready', () => {
    // After a gap (the browser reconnected, or the tab was hidden) events may have been missed: reload.
    if (opened || afterGap) dispatch({ event: 'reconnect', data: null });
    opened = true;
  });
  return source;
}

/**
 * Browsers allow 6 HTTP/1.1 connections per host: a hidden tab gives its event stream back (its log
 * streams stay), and reconnects — reloading what it shows — when it is visible again.
 */
function open(org: string): Channel {
  const existing = channels.get(org);
  if (existing) return existing;
  const channel: Channel = {
    source: null,
    listeners: new Set(),
    onVisibility: () => {
      if (document.hidden) {
        channel.source?.close();
        channel.source = null;
      } else if (!channel.source) channel.source = connect(org, channel, true);
    },
  };
  channel.source = document.hidden ? null : connect(org, channel, false);
  document.addEventListener('visibilitychange', channel.onVisibility);
  channels.set(org, channel);
  return channel;
}

/** Calls `onEvent` for each live event of the organisation while the component is mounted. */
export function useLiveEvents(org: string, onEvent: Listener): void {
  const ref = useRef(onEvent);
  ref.current = onEvent;
  useEffect(() => {
    const channel = open(org);
    const listener: Listener = (e) => ref.current(e);
    channel.listeners.add(listener);
    return () => {
      channel.listeners.delete(listener);
      if (!channel.listeners.size) {
        channel.source?.close();
        document.removeEventListener('visibilitychange', channel.onVisibility);
        channels.delete(org);
      }
    };
  }, [org]);
}

/** Reads a server-sent event stream with fetch (for the log views: pause/resume and download need the lines). */
export async function readEventStream(url: string, signal: AbortSignal, onEvent: (event: string, data: unknown) => void, onOpen?: () => void): Promise<void> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, credentials: 'same-origin', signal });
  if (!res.ok || !res.body) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = ((await res.json()) as { message?: string }).message ?? message;
    } catch {
      /* not JSON */
    }
    throw new Error(message);
  }
  onOpen?.();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) onEvent(event, JSON.parse(data.join('\n')));
    }
  }
}
