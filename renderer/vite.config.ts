import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

/** The renderer build, served by Electron's app:// protocol and by `posture-stage ui` (build/renderer-dist). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../build/renderer-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // no inline <script>/<style> (strict CSP) and no modulepreload polyfill inline script
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    reportCompressedSize: false,
  },
});
