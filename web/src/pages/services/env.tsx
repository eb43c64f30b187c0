// The environment tab: variables as editable rows. Secrets stay masked (their value is never sent to
// the page unless revealed — an audited request); an untouched secret is saved as null, which keeps its
// value. Paste a .env file to merge it in. Saving first shows the difference (added, changed, removed,
// secret or not) and writes only after a second click. Applies to the next deployment.
import { useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../../api/client';
import { invalidate, useGet } from '../../lib/data';
import { FormError, useAction } from '../../ui/form';
import { LoadError, Loading } from '../../ui/layout';
import { toast } from '../../ui/toast';
import { diffEnv, parseDotEnv } from './dotenv';
import { pathOf, serviceUrl, useDeploy, type LiveServiceProps } from './service';

interface Row {
  id: number;
  key: string;
  /** null = a secret whose value is not known here (kept as is when saved). */
  value: string | null;
  secret: boolean;
}

let nextId = 1;

export default function EnvVars(p: LiveServiceProps) {
  const vars = useGet('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/env', { path: pathOf(p) });
  const [rows, setRows] = useState<Row[] | null>(null);
  const [paste, setPaste] = useState('');
  const [review, setReview] = useState(false);
  const [saved, setSaved] = useState(false);
  const deploy = useDeploy(p);
  // The loaded variables with the values this page knows (secrets revealed here become known).
  const [known, setKnown] = useState<{ key: string; value: string | null; secret: boolean }[]>([]);

  useEffect(() => {
    if (vars.data && rows === null) {
      const loaded = vars.data.map((v) => ({ key: v.key, value: v.secret ? null : (v.value ?? ''), secret: v.secret }));
      setKnown(loaded);
      setRows(loaded.map((v) => ({ id: nextId++, ...v })));
    }
  }, [vars.data, rows]);

  const changes = useMemo(() => (rows ? diffEnv(known, rows) : []), [known, rows]);
  const save = useAction(
    () =>
      api.put('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/env', {
        path: pathOf(p),
        body: { vars: rows!.filter((r) => r.key).map((r) => ({ key: r.key, value: r.value, secret: r.secret })) },
      }),
    {
      success: 'Environment saved: it applies at the next deployment',
      onDone: (list) => {
        const loaded = list.map((v) => ({ key: v.key, value: v.secret ? null : (v.value ?? ''), secret: v.secret }));
        setKnown(loaded);
        setRows(loaded.map((v) => ({ id: nextId++, ...v })));
        setReview(false);
        setSaved(true);
        invalidate(`${serviceUrl(p)}/env`);
      },
    },
  );
  const reveal = useAction((key: string) => api.post('/api/orgs/{org}/projects/{project}/environments/{env}/services/{service}/env/{key}/reveal', { path: { ...pathOf(p), key } }), {
    toastErrors: true,
    onDone: (r) => {
      setRows((rs) => rs!.map((x) => (x.key === r.key && x.value === null ? { ...x, value: r.value } : x)));
      setKnown((k) => k.map((x) => (x.key === r.key ? { ...x, value: r.value } : x)));
    },
  });

  if (vars.error) return <LoadError error={vars.error} retry={vars.reload} />;
  if (!rows) return <Loading label="Loading variables" />;

  const rowError = (i: number, field: 'key' | 'value') =>
    save.error instanceof ApiError ? save.error.issues.find((x) => x.path === `body/vars/${i}/${field}`)?.message : undefined;
  const update = (id: number, patch: Partial<Row>) => {
    setSaved(false);
    setReview(false);
    setRows((rs) => rs!.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  };
  const applyPaste = () => {
    const parsed = parseDotEnv(paste);
    if (!parsed.length) return toast.error(new Error('no KEY=value line found'));
    setRows((rs) => {
      const next = [...rs!];
      for (const { key, value } of parsed) {
        const i = next.findIndex((r) => r.key === key);
        if (i >= 0) next[i] = { ...next[i]!, value };
        else next.push({ id: nextId++, key, value, secret: /SECRET|TOKEN|PASSWORD|KEY/i.test(key) });
      }
      return next;
    });
    toast.success(`${parsed.length} variable${parsed.length === 1 ? '' : 's'} merged: review and save`);
    setPaste('');
    setReview(false);
  };
  const saveable = rows.filter((r) => r.key);

  return (
    <div className="stack">
      <form
        className="card stack"
        aria-label="Environment variables"
        onSubmit={(e) => {
          e.preventDefault();
          if (!review) setReview(true);
          else void save.run();
        }}
      >
        <h2>Environment variables</h2>
        {rows.length === 0 && <p className="muted">No variables yet.</p>}
        <ul className="env-rows">
          {rows.map((r) => {
            const i = saveable.indexOf(r);
            const keyErr = i >= 0 ? rowError(i, 'key') : undefined;
            const valueErr = i >= 0 ? rowError(i, 'value') : undefined;
            return (
              <li key={r.id} className="env-row" data-env-key={r.key}>
                <div className={`field${keyErr ? ' field-invalid' : ''}`}>
                  <label htmlFor={`env-key-${r.id}`}>Name</label>
                  <input id={`env-key-${r.id}`} className="mono" value={r.key} onChange={(e) => update(r.id, { key: e.target.value })} spellCheck={false} aria-invalid={keyErr ? true : undefined} />
                  {keyErr && <p className="field-error">{keyErr}</p>}
                </div>
                <div className={`field${valueErr ? ' field-invalid' : ''}`}>
                  <label htmlFor={`env-value-${r.id}`}>Value</label>
                  <input
                    id={`env-value-${r.id}`}
                    className="mono"
                    type={r.secret && r.value === null ? 'password' : 'text'}
                    value={r.value ?? ''}
                    placeholder={r.secret && r.value === null ? '•••••••• (unchanged)' : ''}
                    onChange={(e) => update(r.id, { value: e.target.value })}
                    spellCheck={false}
                    autoComplete="off"
                    aria-invalid={valueErr ? true : undefined}
                  />
                  {valueErr && <p className="field-error">{valueErr}</p>}
                </div>
                <label className="checkbox">
                  <input type="checkbox" checked={r.secret} onChange={(e) => update(r.id, { secret: e.target.checked })} /> Secret
                </label>
                <div className="row">
                  {r.secret && r.value === null && known.some((k) => k.key === r.key) && (
                    <button type="button" className="button subtle" onClick={() => void reveal.run(r.key)} disabled={reveal.pending}>
                      Reveal<span className="visually-hidden"> {r.key}</span>
                    </button>
                  )}
                  <button
                    type="button"
                    className="button subtle"
                    onClick={() => {
                      setReview(false);
                      setRows((rs) => rs!.filter((x) => x.id !== r.id));
                    }}
                  >
                    Remove<span className="visually-hidden"> {r.key || 'new variable'}</span>
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
        <div className="row">
          <button type="button" className="button" onClick={() => setRows((rs) => [...rs!, { id: nextId++, key: '', value: '', secret: false }])}>
            Add variable
          </button>
        </div>
        {review && (
          <div className="notice stack" data-testid="env-diff" aria-live="polite">
            <h3>Review changes</h3>
            {changes.length === 0 ? (
              <p>Nothing changed.</p>
            ) : (
              <ul className="diff">
                {changes.map((c) => (
                  <li key={c.key + c.kind} className={`diff-${c.kind}`}>
                    <span className="diff-mark" aria-hidden="true">
                      {c.kind === 'added' ? '+' : c.kind === 'removed' ? '−' : '~'}
                    </span>
                    <span className="mono">{c.key}</span> {c.kind} {c.detail}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <FormError action={save} fields={[]} />
        <div className="row">
          <button type="submit" className="button primary" disabled={save.pending || (review && changes.length === 0)}>
            {review ? 'Save changes' : 'Review changes'}
          </button>
          {review && (
            <button type="button" className="button" onClick={() => setReview(false)}>
              Keep editing
            </button>
          )}
          {saved && (
            <button type="button" className="button" onClick={() => void deploy.run()} disabled={deploy.pending}>
              Redeploy to apply
            </button>
          )}
        </div>
      </form>
      <form
        className="card stack"
        aria-label="Paste a .env file"
        onSubmit={(e) => {
          e.preventDefault();
          applyPaste();
        }}
      >
        <div className="field">
          <label htmlFor="dotenv">Paste a .env file</label>
          <textarea id="dotenv" rows={5} className="mono" value={paste} onChange={(e) => setPaste(e.target.value)} placeholder={'DATABASE_URL=postgres://…\nAPI_TOKEN="…"'} spellCheck={false} />
          <p className="hint">Merged into the list above (names like *_TOKEN or *PASSWORD become secrets); nothing is saved until you review and save.</p>
        </div>
        <div className="row">
          <button type="submit" className="button" disabled={!paste.trim()}>
            Merge into the list
          </button>
        </div>
      </form>
    </div>
  );
}
