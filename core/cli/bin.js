#!/usr/bin/env node
// The `posture-stage` executable. `npm install` runs no scripts (.npmrc), so the first run in a fresh
// clone builds the CLI and the UI with `npm run build`; its output goes to stderr, keeping stdout for the
// command (`--json`). It then runs the CLI that `npm run build:core` bundled (build/dist/cli/) when that
// is at least as new as the compiled tree, else the compiled tree itself (after a bare `tsc`, or for
// `ui`, whose files are not in the bundle).
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiled = join(root, 'build', 'dist', 'core', 'cli', 'main.js');
const bundled = join(root, 'build', 'dist', 'cli', 'posture-stage.js');
if (!existsSync(compiled)) {
  process.stderr.write(`posture-stage: first run in ${root}: building the CLI and the UI (npm run build, about a minute)\n`);
  // npm sets npm_execpath for npx and scripts; elsewhere the npm on PATH
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const built = spawnSync(npm[0], [...npm.slice(1), 'run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0 || !existsSync(compiled)) {
    const why = built.error ? built.error.message : `it exited with ${built.status ?? built.signal}; its output is above`;
    process.stderr.write(
      `posture-stage is not built and building it failed (${why}). Run \`npm install\` in ${root} (with its dev dependencies), then \`npm run build\`.\n`,
    );
    process.exit(1);
  }
}
const args = process.argv.slice(2);
const words = args.filter((a) => !a.startsWith('-'));
const ui = (words[0] === 'help' ? words[1] : words[0]) === 'ui';
const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};
if (!ui && mtime(bundled) >= mtime(compiled)) {
  // the bundle runs the CLI on process.argv and sets the exit code itself (build/kit/entry.ts)
  await import(pathToFileURL(bundled).href);
} else {
  const { main } = await import(pathToFileURL(compiled).href);
  process.exitCode = await main(args);
}
