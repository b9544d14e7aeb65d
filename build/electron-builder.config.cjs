/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS config file, as electron-builder loads it */
/**
 * electron-builder: Linux (AppImage, deb), Windows (nsis), macOS (dmg).
 * `npm run dist:dir` writes the unpacked app to build/unpacked/. Where no Electron binary can be
 * downloaded (this CI: ELECTRON_SKIP_BINARY_DOWNLOAD=1), a stub Electron dist is generated so the
 * layout, the asar and the fuses are still produced and checked; set POSTURE_STAGE_ELECTRON_DIST to a
 * real unpacked Electron (or have node_modules/electron/dist) to build a runnable app.
 *
 * Fuses (Electron security checklist "Use fuses"): no ELECTRON_RUN_AS_NODE, no NODE_OPTIONS,
 * no --inspect, cookies encrypted, the app only from the asar with its integrity validated,
 * no extra privileges for file://.
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'; // @electron/fuses' marker before the fuse wire

/** A stand-in Linux Electron dist: a script that says what it is, carrying a fuse wire (version 1, 8 fuses). */
function stubElectronDist() {
  const dir = path.join(__dirname, 'electron-stub');
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const script =
    '#!/bin/sh\necho "This Posture Stage build was packaged with a stub Electron (no Electron binary was available). Rebuild with a real one, or run: posture-stage ui" >&2\nexit 1\n';
  const wire = Buffer.concat([Buffer.from(`# ${SENTINEL}`), Buffer.from([1, 8]), Buffer.from('01000101'), Buffer.from('\n')]);
  fs.writeFileSync(path.join(dir, 'electron'), Buffer.concat([Buffer.from(script), wire]), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'version'), require('electron/package.json').version);
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'Stub Electron dist for packaging checks only.\n');
  return dir;
}

function electronDist() {
  if (process.env.POSTURE_STAGE_ELECTRON_DIST) return process.env.POSTURE_STAGE_ELECTRON_DIST;
  const real = path.join(root, 'node_modules', 'electron', 'dist');
  return fs.existsSync(real) ? real : stubElectronDist();
}

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'com.posturestage.app',
  productName: 'Posture Stage',
  executableName: 'posture-stage-app',
  copyright: 'Posture Stage',
  directories: { output: 'build/unpacked', buildResources: 'build' },
  electronDist: electronDist(),
  electronVersion: require('electron/package.json').version,
  // no native module needs rebuilding (ssh2's optional cpu-features is skipped); never download headers
  npmRebuild: false,
  nodeGypRebuild: false,
  asar: true,
  files: [
    'package.json',
    'build/dist/core/**/*.js',
    'build/dist/electron/**/*.js',
    'build/dist/electron/preload/package.json',
    'build/renderer-dist/**',
    'core/cli/bin.js',
    '!**/*.test.js',
    '!build/dist/core/bundle/fixtures/**',
    '!build/dist/core/security/**',
    '!**/*.map',
  ],
  extraMetadata: { main: 'build/dist/electron/main/index.js' },
  icon: 'build/icons/icon.png',
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    grantFileProtocolExtraPrivileges: false,
  },
  linux: { target: ['AppImage', 'deb'], category: 'Network', icon: 'build/icons/icon.png', maintainer: 'Posture Stage <admin@localhost>' },
  deb: { depends: ['libnss3', 'libgtk-3-0'] },
  win: { target: ['nsis'], icon: 'build/icons/icon.png' },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools', icon: 'build/icons/icon.png', hardenedRuntime: true },
  dmg: { sign: false },
};
