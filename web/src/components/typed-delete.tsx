// The "Delete" card of a danger zone: the delete button stays disabled until the resource's name is
// typed into the confirmation field; the action's error shows above it.
import { useState, type ReactNode } from 'react';
import { FormError, TextField, type Action } from '../ui/form';

export function TypedDelete({ name, label, button, action, children }: { name: string; label: string; button: string; action: Action<[], unknown>; children: ReactNode }) {
  const [typed, setTyped] = useState('');
  return (
    <form className="card stack danger-card" aria-label={label} onSubmit={action.submit(() => undefined)}>
      <h2>Delete</h2>
      <p>{children}</p>
      <TextField label={`Type ${name} to confirm`} name="confirm" value={typed} onChange={setTyped} autoComplete="off" spellCheck={false} />
      <FormError action={action} />
      <div className="row">
        <button type="submit" className="button danger" disabled={typed !== name || action.pending} aria-busy={action.pending || undefined}>
          {button}
        </button>
      </div>
    </form>
  );
}
