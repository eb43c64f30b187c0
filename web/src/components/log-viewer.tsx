// A live log viewer: follows a server-sent-events log stream (`line` events; `end` / `error` / the
// stream closing end it, with a Reconnect button), keeps at most `keep` lines, and scrolls to the
// newest. With `download` set it also offers Pause (freezes the view; new lines are counted, not
// lost), Search (filters and highlights) and Download (every line received, as a text file).
import { useEffect, useMemo, useRef, useState } from 'react';
import { readEventStream } from '../pages/services/live';

interface Line {
  n: number;
  stream: string;
  at?: string;
  line: string;
}

export interface LogViewerProps {
  /** The follow URL (its change, like Reconnect, starts a new stream). */
  url: string;
  title: string;
  titleId: string;
  /** The accessible name of the log box. */
  label: string;
  testId: string;
  keep: number;
  /** The state badge's text while the stream is live (default: "live"). */
  liveText?: string;
  /** The download's file name (without `.log`): turns on Pause, Search and Download. */
  download?: () => string;
}

export function LogViewer({ url, title, titleId, label, testId, keep, liveText = 'live', download }: LogViewerProps) {
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
        return next.length > keep ? next.slice(-keep) : next;
      });
    };
    setState('connecting');
    setError(null);
    setLines([]);
    readEventStream(
      url,
      abort.signal,
      (event, data) => {
        if (event === 'line') {
          const d = data as { stream: string; at?: string; line: string };
          pending.push({ n: n++, stream: d.stream, at: d.at, line: d.line });
          frame ||= requestAnimationFrame(flush);
        } else if (event === 'end') setState('ended');
        else if (event === 'error') {
          setState('error');
          setError((data as { message: string }).message);
        }
      },
      () => setState('live'),
    )
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
  }, [url, keep, attempt]);

  const visible = paused && frozen ? frozen : lines;
  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? visible.filter((l) => l.line.toLowerCase().includes(q)) : visible;
  }, [visible, query]);

  useEffect(() => {
    if (!paused && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [filtered, paused]);

  const save = () => {
    if (!download) return;
    const text = lines.map((l) => `${l.at ?? ''} ${l.stream} ${l.line}`).join('\n') + '\n';
    const href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = href;
    a.download = `${download()}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(href), 1000);
  };

  return (
    <section className="card stack" aria-labelledby={titleId}>
      <div className="row wrap">
        <h2 id={titleId}>{title}</h2>
        <span className={`badge ${state === 'live' ? 'ok' : state === 'error' ? 'danger' : 'muted'}`} data-testid="logs-state">
          {paused ? 'paused' : state === 'live' ? liveText : state}
        </span>
        <span className="spacer" />
        {download && (
          <>
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
            <button type="button" className="button" onClick={save} disabled={!lines.length}>
              Download
            </button>
          </>
        )}
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
      <pre ref={box} className="log tall" role="log" aria-label={label} tabIndex={0} data-testid={testId}>
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
