/**
 * Electron's binary for the desktop app. `npm install` runs no install scripts (.npmrc), so the binary
 * is fetched on the app's first start: electron's own downloader (@electron/get, with the mirror
 * settings and checksums electron uses) puts the archive in its cache with a progress bar, then
 * electron's own installer (node_modules/electron/install.js) unpacks it from there.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { progressBar } from '../core/cli/io.js';

const requireHere = createRequire(import.meta.url);
/** Resolves inside electron's package and its own dependencies (@electron/get), as electron's installer does. */
const requireElectron = (id: string): unknown => createRequire(requireHere.resolve('electron/package.json'))(id);
const resolveElectron = (id: string): string => createRequire(requireHere.resolve('electron/package.json')).resolve(id);

/** Whether electron's package is installed at all (a dev dependency: absent after `npm install --omit=dev`). */
export function electronInstalled(): boolean {
  try {
    requireHere.resolve('electron/package.json');
    return true;
  } catch {
    return false;
  }
}

/** The part of @electron/get used here (the same call electron's installer makes). */
interface ElectronGet {
  downloadArtifact(details: {
    version: string;
    artifactName: 'electron';
    platform: string;
    arch: string;
    checksums: Record<string, string>;
    cacheRoot?: string;
    downloadOptions: { quiet: boolean; getProgressCallback: (p: { transferred: number; total?: number }) => Promise<void> };
  }): Promise<string>;
}

/** Electron's version, platform and architecture: the binary the app needs here. */
export function electronTarget(): { version: string; platform: string; arch: string } {
  const { version } = requireHere('electron/package.json') as { version: string };
  // the overrides electron's installer honours
  return { version, platform: process.env.npm_config_platform || process.platform, arch: process.env.npm_config_arch || process.arch };
}

/** The Electron executable, or null where its binary is not (yet) installed. */
export function electronBinary(): string | null {
  try {
    delete requireHere.cache[requireHere.resolve('electron')]; // asked again after a fetch
    const path: unknown = requireHere('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null; // electron's index.js throws while its binary is missing
  }
}

/** The mirror the binary comes from (the settings @electron/get reads, .npmrc first), or undefined for GitHub. */
export function electronMirror(): string | undefined {
  const env = process.env;
  return env.npm_config_electron_mirror || env.NPM_CONFIG_ELECTRON_MIRROR || env.ELECTRON_MIRROR || undefined;
}

/** The first line of what failed, without a stack. */
function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? 'no reason given';
  return line.trim().replace(/\.+$/, '').slice(0, 300);
}

/** Runs electron's installer, which unpacks the archive now in its cache; resolves with its error's first line, or null. */
function runElectronInstaller(): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [resolveElectron('./install.js')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => resolve(e.message));
    child.on('close', (code) => resolve(code === 0 ? null : firstLine(err) + ` (electron's installer exited with ${code})`));
  });
}

/**
 * Fetches and installs Electron's binary. Resolves with null when it is installed, else with why it
 * failed (one line: the downloader's or the installer's message).
 */
export async function fetchElectronBinary(): Promise<string | null> {
  const target = electronTarget();
  const get = requireElectron('@electron/get') as ElectronGet;
  const checksums = z.record(z.string(), z.string()).parse(requireElectron('./checksums.json'));
  process.env.ELECTRON_GET_NO_PROGRESS = '1'; // ours below, with bytes and rate
  const bar = progressBar(`Electron ${target.version}`, 0);
  try {
    await get.downloadArtifact({
      ...target,
      artifactName: 'electron',
      checksums,
      // the cache electron's installer looks in
      ...(process.env.electron_config_cache ? { cacheRoot: process.env.electron_config_cache } : {}),
      downloadOptions: {
        quiet: true,
        getProgressCallback: async (p) => bar.update(p.transferred, p.total ?? p.transferred),
      },
    });
  } catch (e) {
    return firstLine(e instanceof Error ? e.message : String(e));
  } finally {
    bar.stop();
  }
  const failed = await runElectronInstaller();
  if (failed) return failed;
  return electronBinary() ? null : "electron's installer finished but the binary is still missing";
}
