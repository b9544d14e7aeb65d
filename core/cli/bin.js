#!/usr/bin/env node
// The `posture-stage` executable: runs the CLI bundled into one file by `npm run build:core` (built by
// `npm install` through `prepare`) when it is at least as new as the compiled tree, else the compiled
// tree itself (after a bare `tsc`, or for `ui`, whose files are not in the bundle).
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiled = join(root, 'build', 'dist', 'core', 'cli', 'main.js');
const bundled = join(root, 'build', 'dist', 'cli', 'posture-stage.js');
if (!existsSync(compiled)) {
  process.stderr.write('posture-stage is not built yet: run `npm install` (or `npm run build:core`) in ' + root + '\n');
  process.exit(1);
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
