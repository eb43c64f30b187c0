// The logs tab: the database server's output, followed live over server-sent events (at most 5,000
// lines kept). A database without a running server answers 409: its message is shown, with a retry.
import { useEffect, useRef, useState } from 'react';
import { readEventStream } from '../services/live';
import { databaseUrl, type DatabaseProps } from './shared';

interface Line {
  n: number;
  stream: string;
  line: string;
}
const KEEP = 5_000;

export default function DatabaseLogs(p: DatabaseProps) {
  const [lines, setLines] = useState<Line[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'ended' | 'error'>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    let n = 0;
    setLines([]);
    setError(null);
    setState('connecting');
    readEventStream(
      `${databaseUrl(p)}/logs?follow=true&tail=500`,
      abort.signal,
      (event, data) => {
        if (event === 'line') {
          const d = data as { stream: string; line: string };
          setLines((l) => (l.length >= KEEP ? l.slice(-KEEP + 1) : l).concat({ n: n++, stream: d.stream, line: d.line }));
        } else if (event === 'error') {
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
    return () => abort.abort();
  }, [p.org, p.project, p.env, p.database, attempt]);

  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);

  return (
    <section className="card stack" aria-labelledby="db-logs-title">
      <div className="row wrap">
        <h2 id="db-logs-title">Server logs</h2>
        <span className={`badge ${state === 'live' ? 'ok' : state === 'error' ? 'danger' : 'muted'}`} data-testid="logs-state">
          {state === 'live' ? 'following' : state}
        </span>
        <span className="spacer" />
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
      <pre ref={box} className="log tall" role="log" aria-label="Database server log" tabIndex={0} data-testid="database-log">
        {lines.length === 0 ? (
          <span className="muted">No output yet.</span>
        ) : (
          lines.map((l) => (
            <span key={l.n} className={l.stream === 'stderr' ? 'log-line err' : 'log-line'}>
              {l.line + '\n'}
            </span>
          ))
        )}
      </pre>
    </section>
  );
}
