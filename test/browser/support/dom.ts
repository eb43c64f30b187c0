// The few browser globals page.evaluate callbacks use, typed without adding the DOM lib to the
// server-side TypeScript program: `const { document } = globalThis as unknown as BrowserGlobals;`.
export interface El {
  id: string;
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  blur(): void;
  labels?: ArrayLike<El> | null;
}

export interface BrowserGlobals {
  document: {
    activeElement: El | null;
    body: El;
    documentElement: El & { scrollWidth: number; clientWidth: number; dataset: Record<string, string | undefined> };
    getElementById(id: string): El | null;
    querySelector(sel: string): El | null;
  };
  getComputedStyle(el: El): { backgroundColor: string; color: string };
  axe?: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }[] }> };
  performance: { now(): number };
}
