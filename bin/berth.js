#!/usr/bin/env node
// Runs the compiled build (dist/, made by `npm run build`) when present; otherwise the TypeScript
// sources through tsx (development checkouts). BERTH_FROM_SOURCE=1 forces the sources.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/main.js', import.meta.url);
if (existsSync(dist) && !process.env.BERTH_FROM_SOURCE) {
  await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
