// First run: the one-time setup token (printed by `berth server` at first boot, also in
// <data dir>/setup-token) creates the owner, their organisation, and signs them in.
import { useState } from 'react';
import { Redirect, useLocation } from 'wouter';
import { api } from '../api/client';
import { invalidate, useGet } from '../lib/data';
import { rememberOrg } from '../lib/session';
import { FormError, Submit, TextField, useAction } from '../ui/form';
import { Loading } from '../ui/layout';
import { AuthFrame } from './auth-frame';

export function SetupPage() {
  const setup = useGet('/api/setup');
  const [, navigate] = useLocation();
  const [v, setV] = useState({ token: '', name: '', email: '', password: '', organization: '' });
  const set = (k: keyof typeof v) => (x: string) => setV((o) => ({ ...o, [k]: x }));
  const create = useAction((body: typeof v) => api.post('/api/setup', { body }), {
    success: 'Welcome to Berth: you are the owner',
    onDone: (r) => {
      rememberOrg(r.organization.name);
      invalidate('/api/');
      navigate(`/orgs/${r.organization.name}`, { replace: true });
    },
  });
  if (setup.data && !setup.data.required && !create.pending) return <Redirect to="/login" replace />;
  return (
    <AuthFrame title="Set up Berth">
      {!setup.data && !setup.error ? (
        <Loading />
      ) : (
        <form className="stack" onSubmit={create.submit(() => v)} noValidate>
          <p className="muted">
            Paste the setup token that <code>berth server</code> printed at first start (also in <code>setup-token</code> in its data directory), then create
            the owner account.
          </p>
          <TextField label="Setup token" name="token" value={v.token} onChange={set('token')} error={create.fieldError('token')} autoComplete="off" spellCheck={false} required autoFocus />
          <TextField label="User name" name="name" value={v.name} onChange={set('name')} error={create.fieldError('name')} autoComplete="username" hint="Lowercase letters, digits and dashes." required />
          <TextField label="Email" name="email" type="email" value={v.email} onChange={set('email')} error={create.fieldError('email')} autoComplete="email" required />
          <TextField label="Password" name="password" type="password" value={v.password} onChange={set('password')} error={create.fieldError('password')} autoComplete="new-password" required />
          <TextField label="Organisation" name="organization" value={v.organization} onChange={set('organization')} error={create.fieldError('organization')} hint="Your first organisation, e.g. your team or company." required />
          <FormError action={create} fields={['token', 'name', 'email', 'password', 'organization']} />
          <Submit pending={create.pending}>Create owner</Submit>
        </form>
      )}
    </AuthFrame>
  );
}
