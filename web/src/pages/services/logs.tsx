// The runtime logs tab: the live release's output (all replicas), followed live over server-sent
// events. Pause freezes the view (new lines are counted, not lost); search filters and highlights;
// download saves every line received. At most 10,000 lines are kept in the page.
import { useEffect, useMemo, useRef, useState } from 'react';
import { readEventStream } from './live';
import { serviceUrl, type ServiceProps } from './service';

interface Line {
  n: number;
  stream: string;
  at: string;
  line: string;
}

const KEEP = 10_000;

export default function RuntimeLogs(p: ServiceProps) {
  const [lines, setLines] = useState<Line[]>([]);
  const [paused, setPaused] = useState(false);
  const [frozen, setFrozen] = useState<Line[] | null>(null);
  const [query, setQuery] = useState('');
  const [state, setState] = useState<'connecting' | 'live' | 'ended' | 'error'>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    const pending: Line[] = [];
    let frame = 0;
    let n = 0;
    const flush = () => {
      frame = 0;
      const batch = pending.splice(0);
      setLines((l) => {
        const next = l.concat(batch);
        return next.length > KEEP ? next.slice(-KEEP) : next;
      });
    };
    setState('connecting');
    setError(null);
    setLines([]);
    readEventStream(`${serviceUrl(p)}/logs?follow=true&tail=500`, abort.signal, (event, data) => {
      if (event === 'line') {
        const d = data as { stream: string; at: string; line: string };
        pending.push({ n: n++, ...d });
        frame ||= requestAnimationFrame(flush);
      } else if (event === 'end') setState('ended');
      else if (event === 'error') {
        setState('error');
        setError((data as { message: string }).message);
      }
    }, () => setState('live'))
      .then(() => setState((s) => (s === 'error' ? s : 'ended')))
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        setState('error');
        setError((err as Error).message);
      });
    return () => {
      abort.abort();
      cancelAnimationFrame(frame);
    };
  }, [p.org, p.project, p.env, p.service, attempt]);

  const visible = paused && frozen ? frozen : lines;
  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? visible.filter((l) => l.line.toLowerCase().includes(q)) : visible;
  }, [visible, query]);

  useEffect(() => {
    if (!paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [filtered, paused]);

  const download = () => {
    const text = lines.map((l) => `${l.at} ${l.stream} ${l.line}`).join('\n') + '\n';
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${p.service}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <section className="card stack" aria-labelledby="runtime-logs-title">
      <div className="row wrap">
        <h2 id="runtime-logs-title">Runtime logs</h2>
        <span className={`badge ${state === 'live' ? 'ok' : state === 'error' ? 'danger' : 'muted'}`} data-testid="logs-state">
          {paused ? 'paused' : state}
        </span>
        <span className="spacer" />
        <div className="field inline-field">
          <label htmlFor="log-search">Search</label>
          <input id="log-search" type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
        <button
          type="button"
          className="button"
          aria-pressed={paused}
          onClick={() => {
            setFrozen(paused ? null : lines);
            setPaused(!paused);
          }}
        >
          {paused ? `Resume${frozen && lines.length > frozen.length ? ` (${lines.length - frozen.length} new)` : ''}` : 'Pause'}
        </button>
        <button type="button" className="button" onClick={download} disabled={!lines.length}>
          Download
        </button>
        {(state === 'ended' || state === 'error') && (
          <button type="button" className="button subtle" onClick={() => setAttempt((a) => a + 1)}>
            Reconnect
          </button>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <pre ref={box} className="log tall" role="log" aria-label="Runtime log" tabIndex={0} data-testid="runtime-log">
        {filtered.length === 0 ? <span className="muted">{query ? 'No line matches.' : 'No output yet.'}</span> : filtered.map((l) => <LogRow key={l.n} l={l} q={query.trim()} />)}
      </pre>
    </section>
  );
}

function LogRow({ l, q }: { l: Line; q: string }) {
  const cls = l.stream === 'stderr' ? 'log-line err' : 'log-line';
  if (!q) return <span className={cls}>{l.line + '\n'}</span>;
  const i = l.line.toLowerCase().indexOf(q.toLowerCase());
  return (
    <span className={cls}>
      {l.line.slice(0, i)}
      <mark>{l.line.slice(i, i + q.length)}</mark>
      {l.line.slice(i + q.length) + '\n'}
    </span>
  );
}
