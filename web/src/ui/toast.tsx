// Toasts: immediate feedback for actions. `toast.success('Project created')`, `toast.error(err)`.
// Announced through a polite live region (errors: assertive); they disappear after a few seconds.
import { useSyncExternalStore } from 'react';
import { ApiError } from '../api/client';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  message: string;
}

let toasts: Toast[] = [];
let next = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((fn) => fn());

function push(kind: Toast['kind'], message: string, ms = kind === 'error' ? 8000 : 4000): void {
  const t = { id: next++, kind, message };
  toasts = [...toasts, t].slice(-5);
  emit();
  setTimeout(() => dismiss(t.id), ms);
}

export function dismiss(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export const toast = {
  success: (message: string) => push('success', message),
  info: (message: string) => push('info', message),
  error: (err: unknown) => push('error', errorMessage(err)),
};

export function Toaster() {
  const list = useSyncExternalStore(
    (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    () => toasts,
  );
  return (
    <div className="toasts">
      <div role="status" aria-live="polite" className="toast-stack">
        {list.filter((t) => t.kind !== 'error').map((t) => (
          <ToastView key={t.id} t={t} />
        ))}
      </div>
      <div role="alert" aria-live="assertive" className="toast-stack">
        {list.filter((t) => t.kind === 'error').map((t) => (
          <ToastView key={t.id} t={t} />
        ))}
      </div>
    </div>
  );
}

function ToastView({ t }: { t: Toast }) {
  return (
    <div className={`toast toast-${t.kind}`} data-testid="toast">
      <span>{t.message}</span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
        ×
      </button>
    </div>
  );
}
