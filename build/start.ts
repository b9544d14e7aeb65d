/**
 * `npm start` (run through tsx, before anything is built): makes sure Electron's binary is there —
 * fetching it on the desktop app's first start, since `npm install` runs no install scripts — then
 * builds the app and launches it. Where the binary cannot be had, says why in one paragraph, with
 * the mirror setting and the browser alternative, and exits 1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { electronBinary, electronInstalled, electronMirror, electronTarget, fetchElectronBinary } from './electron-binary.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = fileURLToPath(new URL('dist/electron/main/index.js', import.meta.url));
const BROWSER = 'The same app runs in your browser without it: npx posture-stage ui';

/** The binary, fetched when missing; null after saying why it cannot be had. */
async function ensureBinary(): Promise<string | null> {
  if (!electronInstalled()) {
    process.stderr.write(
      `Electron is not installed here (it is a dev dependency): run \`npm install\` in ${root} without --omit=dev. ${BROWSER}\n`,
    );
    return null;
  }
  const present = electronBinary();
  if (present) return present;
  const { version, platform, arch } = electronTarget();
  const what = `The desktop app needs Electron's binary (${version}, ${platform}-${arch}), which \`npm install\` does not download`;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    process.stderr.write(
      `${what}, and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it is not fetched now either: unset it and run \`npm start\` again to fetch it (ELECTRON_MIRROR=<url> for a mirror of Electron's releases). ${BROWSER}\n`,
    );
    return null;
  }
  const mirror = electronMirror();
  const source = mirror ? `the mirror ${mirror}` : 'GitHub';
  process.stderr.write(`Fetching Electron ${version} (${platform}-${arch}) from ${source}; this happens on the first start only.\n`);
  const failed = await fetchElectronBinary();
  if (failed) {
    const file = `v${version}/electron-v${version}-${platform}-${arch}.zip`;
    const hint = mirror
      ? `Check that the mirror is reachable and holds ${file}`
      : `Where GitHub is out of reach, point ELECTRON_MIRROR at a mirror of Electron's releases that holds ${file} (ELECTRON_MIRROR=https://mirror.example/electron/ npm start, or electron_mirror=… in .npmrc)`;
    process.stderr.write(
      `${what}, and fetching it from ${source} failed: ${failed}. ${hint}; the archive is checked against the checksums electron ships. ${BROWSER}\n`,
    );
    return null;
  }
  return electronBinary();
}

const binary = await ensureBinary();
if (!binary) {
  process.exitCode = 1;
} else {
  // npm sets npm_execpath for its scripts; elsewhere the npm on PATH
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const built = spawnSync(npm[0] as string, [...npm.slice(1), 'run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) {
    process.stderr.write(`The app could not be built (npm run build exited with ${built.status ?? built.signal}; its output is above).\n`);
    process.exitCode = 1;
  } else {
    const child = spawn(binary, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
    child.on('exit', (code, signal) => {
      process.exitCode = code ?? (signal ? 1 : 0);
    });
  }
}
