// ESLint flat config with the layering of ../shared/STYLE.md, enforced without per-file waivers
// (the floors are drawn in the README's "Layout"):
//   cli → app → bundle · agent · feed · transfer · library · custody · ise · net → core/*.ts (errors, hash, …)
//   electron → core          renderer → `import type` only
// Import paths are resolved to files (import-x/no-restricted-paths with a resolver that maps our `.js`
// specifiers to their `.ts` sources), so a layer is judged by where an import lands, not by how it is spelled.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import svelte from 'eslint-plugin-svelte';
import svelteConfig from '../renderer/svelte.config.js';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'tls', 'http', 'https', 'crypto', 'zlib', 'stream'];

/** The floors inside core/, lowest first; a floor may import the ones below it, never the ones above. */
const LOWER = ['bundle', 'net', 'custody', 'ise', 'library', 'agent', 'transfer', 'feed', 'kit'];
/** Who each lower folder must not import (besides app/ and cli/, which sit above all of them). */
const SIDEWAYS = {
  bundle: ['net', 'custody', 'ise', 'library', 'agent', 'transfer', 'feed', 'kit'],
  net: ['bundle', 'custody', 'ise', 'library', 'agent', 'transfer', 'feed', 'kit'],
  custody: ['bundle', 'net', 'ise', 'library', 'agent', 'transfer', 'feed', 'kit'],
  // the hand-off to ISE and confirm: on custody's floor, above the bundle core
  ise: ['net', 'custody', 'library', 'agent', 'transfer', 'feed', 'kit'],
  library: ['agent', 'transfer', 'feed', 'kit'],
  agent: ['library', 'transfer', 'feed', 'kit'],
  transfer: ['library', 'feed', 'kit'],
  feed: ['agent', 'transfer', 'kit'],
  kit: ['bundle', 'net', 'ise', 'library', 'agent', 'transfer', 'feed'],
};

const below = (what) => `STYLE.md layering: ${what} (see the README's Layout).`;

/** Zones for import-x/no-restricted-paths; `tests` lets test files use the shared test peers in e2e/peers. */
export function layeringZones({ tests = false } = {}) {
  const outside = ['./electron', './renderer', './build', ...(tests ? [] : ['./e2e'])];
  return [
    { target: './core', from: outside, message: below('core/ imports nothing outside core/ — the CLI never imports the shell') },
    { target: './core/*.ts', from: './core/*/**', message: below('the shared core files (errors, hash, …) sit below every folder') },
    ...LOWER.map((layer) => ({
      target: `./core/${layer}`,
      // tests may build their fixtures with a neighbour floor (e.g. a real `library export` for the node's custody check)
      from: ['./core/app', './core/cli', ...(tests ? [] : SIDEWAYS[layer].map((l) => `./core/${l}`))],
      message: below(`core/${layer}/ may import only the floors below it, never app/, cli/ or ${SIDEWAYS[layer].join('/, ')}/`),
    })),
    { target: './core/app', from: './core/cli', message: below('app/ sits below cli/') },
    { target: './electron', from: ['./renderer', './build', './e2e'], message: below('electron/ imports only core/') },
  ];
}

const parseInstead = "parse it with a zod schema instead (core/json.ts `parseJson`; issue 9 §4: parse, don't cast)";
const isJsonParse = (node) => `[${node}.type='CallExpression'][${node}.callee.object.name='JSON'][${node}.callee.property.name='parse']`;

/**
 * Parse, don't cast: JSON that crosses a trust boundary is checked by a schema, so the compiler's word for
 * its type is never taken on faith. `no-restricted-syntax` selectors (ESLint's AST selectors) for the casts
 * that would skip the check; tests and testing.ts helpers may still build hostile input with them.
 */
const castSelectors = [
  {
    selector: "TSAsExpression[expression.type='TSAsExpression'][expression.typeAnnotation.type='TSUnknownKeyword']",
    message: `\`as unknown as T\` hides a type error; ${parseInstead}, or type the value properly.`,
  },
  {
    selector: "TSTypeAssertion[expression.type='TSTypeAssertion'][expression.typeAnnotation.type='TSUnknownKeyword']",
    message: `\`<T><unknown>x\` hides a type error; ${parseInstead}, or type the value properly.`,
  },
  { selector: `TSAsExpression${isJsonParse('expression')}`, message: `\`JSON.parse(…) as T\` trusts the input; ${parseInstead}.` },
  { selector: `TSTypeAssertion${isJsonParse('expression')}`, message: `\`<T>JSON.parse(…)\` trusts the input; ${parseInstead}.` },
  {
    selector: `VariableDeclarator[id.typeAnnotation][id.typeAnnotation.typeAnnotation.type!='TSUnknownKeyword']${isJsonParse('init')}`,
    message: `\`const x: T = JSON.parse(…)\` trusts the input (JSON.parse gives any); declare it \`unknown\` and ${parseInstead}.`,
  },
  {
    selector: "TSAsExpression[expression.type='AwaitExpression'][expression.argument.callee.property.name='json']",
    message: `\`(await body.json()) as T\` trusts the peer; ${parseInstead}.`,
  },
];

const importResolver = createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } });

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'build/dist/**',
      'build/renderer-dist/**',
      'build/unpacked/**',
      'build/electron-stub/**',
      'build/dist-agent/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  ...svelte.configs['flat/prettier'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['core/**/*.ts', 'electron/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [importResolver] },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: process.cwd(), zones: layeringZones() }],
    },
  },
  {
    files: ['core/**/*.test.ts', 'core/**/testing.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: process.cwd(), zones: layeringZones({ tests: true }) }],
    },
  },
  {
    files: ['core/**/*.ts', 'electron/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...castSelectors],
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
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'HTMLElement'],
    },
  },
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
  },
  {
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'renderer/ never imports node modules (STYLE.md layering).' },
            { group: ['electron', 'electron/*', '**/electron/**'], message: 'renderer/ talks to the shell only through window.api.' },
            {
              group: ['**/core/**'],
              allowTypeImports: true,
              message: "renderer/ only `import type`s from the contract (core/app/contract.ts) and core's type modules.",
            },
          ],
        },
      ],
    },
  },
);
