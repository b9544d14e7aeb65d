import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Unit and integration tests. Renderer component tests run in their own project (renderer/vitest.config.ts). */
export default defineConfig({
  test: {
    root,
    projects: [
      {
        test: {
          name: 'node',
          root,
          include: ['core/**/*.test.ts', 'electron/**/*.test.ts', 'build/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      'renderer/vitest.config.ts',
    ],
  },
});
