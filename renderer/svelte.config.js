/** Svelte options for the renderer (vite-plugin-svelte and svelte-check read this file). */
export default {
  compilerOptions: { runes: true },
};
