/**
 * `npm start`: launches the desktop app with Electron. Where the Electron binary is missing (it is
 * never downloaded here), says so in one line and how to use the same UI through `posture-stage ui`.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../electron/main/index.js', import.meta.url));

function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown as string;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) {
  process.stderr.write(
    'The Electron binary is not installed (node_modules/electron has no dist); run the same UI in a browser instead: npx posture-stage ui\n',
  );
  process.exitCode = 1;
} else {
  const child = spawn(binary, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}
