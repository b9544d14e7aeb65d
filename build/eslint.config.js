// ESLint flat config with the layering rule of ../shared/STYLE.md:
// core/ never imports electron, svelte or the DOM; renderer/ never imports node:* and only
// `import type`s from electron/contract.ts and core's type modules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'tls', 'http', 'https', 'crypto', 'zlib', 'stream'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'build/dist/**',
      'build/renderer-dist/**',
      'build/unpacked/**',
      'build/dist-agent/**',
      'test-results/**',
      'playwright-report/**',
      '**/*.svelte',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'core/ never imports electron (STYLE.md layering).' },
            { group: ['svelte', 'svelte/*', '*.svelte'], message: 'core/ never imports svelte (STYLE.md layering).' },
            { group: ['**/renderer/**', '**/electron/**'], message: 'core/ never imports the shell or the UI (STYLE.md layering).' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'HTMLElement'],
    },
  },
  {
    // The `ui` command hosts the app's handlers over HTTP; those modules never import electron.
    files: ['core/cli/commands/ui.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'core/ never imports electron (STYLE.md layering).' }] }],
    },
  },
  {
    files: ['renderer/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'renderer/ never imports node modules (STYLE.md layering).' },
            { group: ['electron', 'electron/*'], message: 'renderer/ talks to the shell only through window.api.' },
            { group: ['**/electron/**'], allowTypeImports: true, message: 'renderer/ only `import type`s from electron/contract.ts.' },
            { group: ['**/core/**'], allowTypeImports: true, message: "renderer/ only `import type`s from core's type modules." },
          ],
        },
      ],
    },
  },
);
