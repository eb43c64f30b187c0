// Forms: every input has a visible <label>; an API 400 puts each issues[].message next to the field
// whose name matches the last segment of the issue path (body/name → name); anything not matched
// (403, 409, network …) shows in <FormError> (role=alert) above the submit button.
//   const save = useAction(async (v: {name: string}) => api.post(...), { success: 'Project created' });
//   <form onSubmit={save.submit(() => ({ name }))}>
//     <TextField label="Name" name="name" value={name} onChange={setName} error={save.fieldError('name')} />
//     <FormError action={save} fields={['name']} />
//     <Submit pending={save.pending}>Create</Submit>
//   </form>
import { useCallback, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { errorMessage, toast } from './toast';

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  /** onSubmit handler: prevents the default, builds the arguments, runs. */
  submit: (args: () => A[0]) => (e: FormEvent) => void;
  pending: boolean;
  error: unknown;
  fieldError: (field: string) => string | undefined;
  reset: () => void;
}

export function useAction<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  opts: { success?: string | ((r: R) => string); toastErrors?: boolean; onDone?: (r: R) => void } = {},
): Action<A, R> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const optsRef = useRef(opts);
  optsRef.current = opts;
  const run = useCallback(async (...args: A) => {
    setPending(true);
    setError(undefined);
    try {
      const r = await fnRef.current(...args);
      const s = optsRef.current.success;
      if (s) toast.success(typeof s === 'function' ? s(r) : s);
      optsRef.current.onDone?.(r);
      return r;
    } catch (err) {
      setError(err);
      if (optsRef.current.toastErrors) toast.error(err);
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  const submit = useCallback(
    (args: () => A[0]) => (e: FormEvent) => {
      e.preventDefault();
      void run(...([args()] as unknown as A));
    },
    [run],
  );
  const fieldError = useCallback((field: string) => (error instanceof ApiError ? error.fieldMessage(field) : undefined), [error]);
  return { run, submit, pending, error, fieldError, reset: () => setError(undefined) };
}

interface FieldProps {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: (props: { id: string; name: string; 'aria-invalid': boolean | undefined; 'aria-describedby': string | undefined }) => ReactNode;
}

/** Label + control + hint + error, wired with ids (aria-describedby, aria-invalid). */
export function Field({ label, name, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errId} className="field-error" data-field-error={name}>
          {error}
        </p>
      )}
    </div>
  );
}

export function TextField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  type?: 'text' | 'password' | 'email' | 'url' | 'number';
  required?: boolean;
  autoComplete?: string;
  autoFocus?: boolean;
  placeholder?: string;
  pattern?: string;
  maxLength?: number;
  spellCheck?: boolean;
}) {
  const { label, name, value, onChange, error, hint, type = 'text', ...rest } = props;
  return (
    <Field label={label} name={name} error={error} hint={hint}>
      {(a) => <input {...a} type={type} value={value} onChange={(e) => onChange(e.target.value)} {...rest} />}
    </Field>
  );
}

export function SelectField<V extends string>(props: {
  label: string;
  name: string;
  value: V;
  onChange: (v: V) => void;
  options: readonly { value: V; label: string }[];
  error?: string | undefined;
  hint?: ReactNode;
}) {
  const { label, name, value, onChange, options, error, hint } = props;
  return (
    <Field label={label} name={name} error={error} hint={hint}>
      {(a) => (
        <select {...a} value={value} onChange={(e) => onChange(e.target.value as V)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The error of an action that no field shows (or every error when `fields` is empty). */
export function FormError({ action, fields = [] }: { action: { error: unknown; fieldError: (f: string) => string | undefined }; fields?: string[] }) {
  const err = action.error;
  if (!err) return null;
  if (err instanceof ApiError && err.issues.length && err.issues.every((i) => fields.some((f) => action.fieldError(f) === i.message))) return null;
  return (
    <p className="form-error" role="alert" data-testid="form-error">
      {errorMessage(err)}
    </p>
  );
}

export function Submit({ pending, children, className = 'button primary' }: { pending: boolean; children: ReactNode; className?: string }) {
  return (
    <button type="submit" className={className} disabled={pending} aria-busy={pending || undefined}>
      {pending ? <span className="spinner" aria-hidden="true" /> : null}
      {children}
    </button>
  );
}

/** A destructive button that asks once more inline (no modal): "Delete" → "Delete x? Confirm / Cancel". */
export function ConfirmButton({ label, question, onConfirm, pending }: { label: string; question: string; onConfirm: () => void; pending?: boolean }) {
  const [asking, setAsking] = useState(false);
  const back = useRef<HTMLButtonElement>(null);
  const cancelled = useRef(false);
  useEffect(() => {
    // Cancel returns the keyboard focus to the button that asked.
    if (!asking && cancelled.current) {
      cancelled.current = false;
      back.current?.focus();
    }
  }, [asking]);
  if (!asking)
    return (
      <button ref={back} type="button" className="button danger-outline" onClick={() => setAsking(true)} disabled={pending}>
        {label}
      </button>
    );
  return (
    <span
      className="confirm"
      role="group"
      aria-label={question}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          cancelled.current = true;
          setAsking(false);
        }
      }}
    >
      <span className="confirm-q">{question}</span>
      <button
        type="button"
        className="button danger"
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Confirm
      </button>
      <button
        type="button"
        className="button"
        onClick={() => {
          cancelled.current = true;
          setAsking(false);
        }}
      >
        Cancel
      </button>
    </span>
  );
}
