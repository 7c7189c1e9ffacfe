// The renderer build: renderer/ → dist/renderer, served by the loopback web host (main/web) and
// loaded by Electron (main/electron/renderer-protocol.ts). No inline scripts or styles, so the host's strict CSP holds.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: '/',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    /** main/web/auth.ts ASSET_PATH: the one path the host serves without its token. */
    assetsDir: '__switchyard_assets',
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
