import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { fileURLToPath } from 'node:url';

/** Svelte component tests (happy-dom); svelteTesting() adds browser resolution and cleanup after each test. */
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  resolve: { conditions: ['browser'] },
  test: {
    name: 'renderer',
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['src/**/*.test.ts'],
    environment: 'happy-dom',
    passWithNoTests: true,
  },
});
