// Light and dark themes: follows prefers-color-scheme unless the user picks one (saved in localStorage,
// applied before first paint by index.html). The toggle cycles system → light → dark.
import { useState } from 'react';

type Choice = 'system' | 'light' | 'dark';
const KEY = 'berth.theme';

function read(): Choice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function ThemeToggle() {
  const [choice, setChoice] = useState<Choice>(read);
  const nextChoice: Choice = choice === 'system' ? 'light' : choice === 'light' ? 'dark' : 'system';
  const apply = () => {
    setChoice(nextChoice);
    try {
      if (nextChoice === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, nextChoice);
    } catch {
      /* private mode: still applies for this page */
    }
    if (nextChoice === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = nextChoice;
  };
  const icon = choice === 'dark' ? '☾' : choice === 'light' ? '☀' : '◐';
  return (
    <button type="button" className="icon-button" onClick={apply} aria-label={`Theme: ${choice}. Switch to ${nextChoice}`} title={`Theme: ${choice}`}>
      <span aria-hidden="true">{icon}</span>
    </button>
  );
}
