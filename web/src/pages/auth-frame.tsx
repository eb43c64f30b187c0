// The frame of the signed-out pages (setup, login): centred card, brand, theme toggle.
import { useEffect, type ReactNode } from 'react';
import { ThemeToggle } from '../ui/theme';

export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Berth`;
  }, [title]);
  return (
    <div className="auth-page">
      <header className="auth-top">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Berth
        </span>
        <ThemeToggle />
      </header>
      <main id="main" className="auth-card card">
        <h1>{title}</h1>
        {children}
      </main>
    </div>
  );
}
