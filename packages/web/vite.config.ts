// Vite config for the browser client. Strict-CSP friendly: no inlined assets or scripts, no
// module-preload polyfill, everything emitted as files under dist/assets.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
