// Vite build of the dashboard: web/ → web/dist/, served by `berth server` (src/api/routes/dashboard.ts).
// Hashed files land in /assets/ (served immutable); index.html is served no-cache.
// `npm run web:dev` serves it with hot reload and proxies /api to a `berth server` on :3000.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** Writes .br and .gz twins of every JS/CSS asset (from the final files on disk, after every other
 * plugin ran); the server sends them to clients that accept them. */
function precompress(): Plugin {
  return {
    name: 'berth-precompress',
    apply: 'build',
    enforce: 'post',
    writeBundle(options, bundle) {
      const dir = options.dir!;
      for (const name of Object.keys(bundle)) {
        if (!/\.(js|css|svg|json)$/.test(name)) continue;
        const buf = readFileSync(join(dir, name));
        writeFileSync(join(dir, `${name}.gz`), gzipSync(buf, { level: 9 }));
        writeFileSync(join(dir, `${name}.br`), brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    // The browser-test harness keeps earlier hashed files (a server started before a rebuild still finds them).
    emptyOutDir: process.env.BERTH_WEB_KEEP_ASSETS !== '1',
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env.BERTH_DEV_API ?? 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
