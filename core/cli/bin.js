#!/usr/bin/env node
// The `posture-stage` executable: runs the compiled CLI (built by `npm install` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const compiled = join(root, 'build', 'dist', 'core', 'cli', 'main.js');
if (!existsSync(compiled)) {
  process.stderr.write('posture-stage is not built yet: run `npm install` (or `npm run build:core`) in ' + root + '\n');
  process.exit(1);
}
const { main } = await import(pathToFileURL(compiled).href);
process.exitCode = await main(process.argv.slice(2));
