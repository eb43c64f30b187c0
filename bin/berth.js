#!/usr/bin/env -S node --max-semi-space-size=1
// --max-semi-space-size=1: the control plane is mostly idle; a small young generation keeps its resident
// memory low (measured ~107 → ~87 MiB idle) for slightly more frequent minor GCs. The installer's
// service runs node with the same flag, and with MALLOC_ARENA_MAX=2 (fewer idle malloc arenas).
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
