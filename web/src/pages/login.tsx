// Sign in with a user name (or email) and password. ?next= returns to the page that needed a session.
import { useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api } from '../api/client';
import { clearCache, useGet } from '../lib/data';
import { safeNext } from '../lib/nav';
import { FormError, Submit, TextField, useAction } from '../ui/form';
import { AuthFrame } from './auth-frame';

export function LoginPage() {
  const [, navigate] = useLocation();
  const search = useSearch();
  const setup = useGet('/api/setup');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useAction((body: { login: string; password: string }) => api.post('/api/auth/login', { body }), {
    onDone: () => {
      clearCache();
      navigate(safeNext(new URLSearchParams(search).get('next')), { replace: true });
    },
  });
  return (
    <AuthFrame title="Sign in">
      {setup.data?.required && (
        <p className="notice">
          This installation has no owner yet. <Link href="/setup">Set up Berth</Link>.
        </p>
      )}
      <form className="stack" onSubmit={signIn.submit(() => ({ login, password }))} noValidate>
        <TextField label="User name or email" name="login" value={login} onChange={setLogin} error={signIn.fieldError('login')} autoComplete="username" required autoFocus />
        <TextField label="Password" name="password" type="password" value={password} onChange={setPassword} error={signIn.fieldError('password')} autoComplete="current-password" required />
        <FormError action={signIn} fields={['login', 'password']} />
        <Submit pending={signIn.pending}>Sign in</Submit>
      </form>
    </AuthFrame>
  );
}
