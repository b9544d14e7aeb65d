/**
 * The Node.js binary each executable is made of: the running `node` for its own CPU (no download),
 * otherwise the official binary of the same version from the npm registry's `node-linux-<arch>`
 * package (fetched once with `npm pack` into the cache). Stripped of debug symbols when a strip for
 * that CPU is installed (Debian: binutils, binutils-aarch64-linux-gnu).
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { KitArch } from '../../core/kit/index.js';

const run = promisify(execFile);

export interface NodeBinary {
  arch: KitArch;
  version: string;
  /** the stripped (when possible) binary, ready to receive the application */
  binary: string;
  /** Node.js's LICENSE text, shipped next to the executable */
  license: string;
  stripped: boolean;
  /** how it was obtained, for the build log */
  origin: string;
}

/** Where Node keeps its LICENSE next to the running binary (official tarball, distribution packages). */
function licenseNextTo(execPath: string): string | null {
  const candidates = [
    join(execPath, '..', '..', 'share', 'doc', 'node', 'LICENSE'),
    '/usr/share/doc/nodejs/LICENSE',
    '/usr/share/doc/node/LICENSE',
  ];
  return candidates.find((c) => existsSync(c)) ?? null;
}

async function extractFromPackage(tgz: string, wanted: Record<string, string>): Promise<void> {
  const extract = tar.extract();
  const found = new Set<string>();
  extract.on('entry', (header, stream, next) => {
    const target = wanted[header.name];
    if (!target) {
      stream.resume();
      stream.on('end', next);
      return;
    }
    found.add(header.name);
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      writeFile(target, Buffer.concat(chunks)).then(() => next(), next);
    });
  });
  await pipeline(createReadStream(tgz), createGunzip(), extract);
  const lost = Object.keys(wanted).filter((n) => !found.has(n));
  if (lost.length > 0) throw new Error(`${tgz} lacks ${lost.join(', ')}`);
}

/** The official Node binary for `arch` from the npm registry, cached under `cache`. */
async function fromRegistry(arch: KitArch, version: string, cache: string): Promise<{ node: string; license: string }> {
  const dir = join(cache, `node-${version}-linux-${arch}`);
  const node = join(dir, 'node');
  const license = join(dir, 'LICENSE');
  if (existsSync(node) && existsSync(license)) return { node, license };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const spec = `node-linux-${arch}@${version.replace(/^v/, '')}`;
  try {
    await run('npm', ['pack', spec, '--silent', '--pack-destination', dir], { maxBuffer: 1 << 20 });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `npm pack ${spec} failed (${(e as Error).message.split('\n')[0]}); the npm registry is needed once per Node version and CPU`,
    );
  }
  const tgz = (await readdir(dir)).find((n) => n.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${spec} wrote no package`);
  await extractFromPackage(join(dir, tgz), { 'package/bin/node': node, 'package/LICENSE': license });
  await rm(join(dir, tgz));
  await chmod(node, 0o755);
  return { node, license };
}

const STRIP: Record<KitArch, string[]> = { x64: ['x86_64-linux-gnu-strip', 'strip'], arm64: ['aarch64-linux-gnu-strip'] };

async function stripFor(arch: KitArch): Promise<string | null> {
  const names = process.arch === arch ? STRIP[arch] : STRIP[arch].filter((n) => n !== 'strip');
  for (const name of names) {
    try {
      await run('sh', ['-c', `command -v ${name}`]);
      return name;
    } catch {
      // try the next name
    }
  }
  return null;
}

/** Prepares `work/node` for `arch`: the same Node version as the one running this build. */
export async function nodeBinaryFor(arch: KitArch, work: string, cache: string): Promise<NodeBinary> {
  const version = process.version;
  let source: { node: string; license: string | null };
  let origin: string;
  if (arch === process.arch && process.platform === 'linux') {
    source = { node: process.execPath, license: licenseNextTo(process.execPath) };
    origin = `the running node (${process.execPath})`;
    if (!source.license) source = { ...source, license: (await fromRegistry(arch, version, cache)).license };
  } else {
    source = await fromRegistry(arch, version, cache);
    origin = `node-linux-${arch}@${version.slice(1)} from the npm registry`;
  }
  await mkdir(work, { recursive: true });
  const binary = join(work, 'node');
  await copyFile(source.node, binary);
  await chmod(binary, 0o755);
  const license = join(work, 'LICENSE.node');
  await copyFile(source.license!, license);
  const strip = await stripFor(arch);
  if (strip) await run(strip, ['--strip-all', '--remove-section=.comment', binary]);
  return { arch, version, binary, license, stripped: strip !== null, origin };
}
