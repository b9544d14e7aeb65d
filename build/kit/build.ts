/**
 * Builds the node kit (issue 13) from this clone: per CPU a single executable, a .deb and a .tar.gz,
 * then kit.json, INSTALL.txt and SHA256SUMS. Everything lands in `<out>/kit` (default
 * build/dist-agent/kit); Node binaries are cached in `<out>/cache`. A kit whose build key (bundle,
 * Node version, CPUs, version, these build files) is unchanged is reused as it is, and one build runs
 * at a time per `out` (a lock), so tests, `npm run dist:agent` and `agent package` share one build.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import {
  artifactNames,
  finishKit,
  installText,
  readKitManifest,
  KIT_ARCHES,
  type KitArch,
  type KitArtifact,
  type KitManifest,
} from '../../core/kit/index.js';
import { hashFile } from '../../core/hash.js';
import { VERSION } from '../../core/version.js';
import { bundleCli } from './bundle.js';
import { nodeBinaryFor, type NodeBinary } from './node-binary.js';
import { makeExecutable, runFor, runnerFor } from './sea.js';
import { readKitFiles } from './scripts.js';
import { buildDeb, manPage } from './deb.js';
import { gzipSync } from 'node:zlib';
import { writeTarGz } from './tarball.js';

export interface BuildKitOptions {
  /** the clone */
  root: string;
  /** default `<root>/build/dist-agent` */
  out?: string;
  /** Node binaries cache (default `<out>/cache`) */
  cache?: string;
  /** CPUs to build; default x64 and arm64, skipping (with the reason) one whose Node binary cannot be had */
  arches?: KitArch[];
  /** overrides core/version.ts inside the artifacts (tests of upgrades) */
  version?: string;
  /** rebuild even when the kit is up to date */
  force?: boolean;
  onProgress?: (step: string, message: string) => void;
}

interface ArchReport {
  arch: KitArch;
  /** the executable answered `--version` (natively or under qemu-user) */
  ran: boolean;
  codeCache: boolean;
  stripped: boolean;
  node: string;
}

export interface BuiltKit {
  dir: string;
  manifest: KitManifest;
  reused: boolean;
  seconds: number;
  arches: ArchReport[];
  skipped: Array<{ arch: KitArch; reason: string }>;
}

async function hashTree(dir: string, hash: ReturnType<typeof createHash>): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    if ((await stat(p)).isDirectory()) await hashTree(p, hash);
    else if (!name.endsWith('.test.ts') && name !== 'testing.ts') hash.update(name).update(await readFile(p));
  }
}

async function buildKey(root: string, bundleSha: string, version: string, arches: KitArch[]): Promise<string> {
  const h = createHash('sha256').update(`${bundleSha}\n${process.version}\n${version}\n${arches.join(',')}\n`);
  await hashTree(join(root, 'build', 'kit'), h);
  return h.digest('hex');
}

async function upToDate(dir: string, key: string): Promise<KitManifest | null> {
  try {
    const m = await readKitManifest(dir);
    if (m.buildKey !== key) return null;
    for (const a of m.artifacts) if ((await stat(join(dir, a.file))).size !== a.size) return null;
    return m;
  } catch {
    return null;
  }
}

async function artifact(dir: string, file: string, arch: KitArch, kind: KitArtifact['kind']): Promise<KitArtifact> {
  const { sha256, size } = await hashFile(join(dir, file));
  return { file, arch, kind, size, sha256 };
}

/** Builds (or reuses) the kit; see BuildKitOptions. */
export async function buildKit(o: BuildKitOptions): Promise<BuiltKit> {
  const started = performance.now();
  const out = o.out ?? join(o.root, 'build', 'dist-agent');
  const cache = o.cache ?? join(out, 'cache');
  const kitDir = join(out, 'kit');
  const say = o.onProgress ?? (() => undefined);
  await mkdir(out, { recursive: true });
  const release = await lockfile.lock(out, {
    stale: 120_000,
    update: 10_000,
    retries: { retries: 600, minTimeout: 1000, maxTimeout: 2000 },
  });
  try {
    const version = o.version ?? VERSION;
    const work = join(out, 'work');
    await mkdir(work, { recursive: true });
    say('bundle', 'bundling the CLI into one file (esbuild)');
    const bundle = await bundleCli(o.root, join(work, 'posture-stage.cjs'), o.version);

    // which CPUs: those asked for, or every one whose Node binary can be had
    const wanted = o.arches ?? [...KIT_ARCHES];
    const nodes: NodeBinary[] = [];
    const skipped: BuiltKit['skipped'] = [];
    const key = await buildKey(o.root, bundle.sha256, version, wanted);
    const current = o.force ? null : await upToDate(kitDir, key);
    if (current) {
      say('reuse', `kit ${version} in ${kitDir} is up to date`);
      return { dir: kitDir, manifest: current, reused: true, seconds: (performance.now() - started) / 1000, arches: [], skipped };
    }
    for (const arch of wanted) {
      say('node', `getting Node.js ${process.version} for linux-${arch}`);
      try {
        nodes.push(await nodeBinaryFor(arch, join(work, arch), cache));
      } catch (e) {
        if (o.arches) throw e;
        skipped.push({ arch, reason: (e as Error).message });
      }
    }
    if (nodes.length === 0) throw new Error(`no Node.js binary for any CPU: ${skipped.map((s) => `${s.arch}: ${s.reason}`).join('; ')}`);

    const files = await readKitFiles(o.root);
    const builtAt = new Date();
    const next = join(out, 'kit.next');
    await rm(next, { recursive: true, force: true });
    await mkdir(next, { recursive: true });
    const artifacts: KitArtifact[] = [];
    const reports: ArchReport[] = [];
    const arches = nodes.map((n) => n.arch);
    const docText = installText({ version, arches });
    for (const node of nodes) {
      const names = artifactNames(version, node.arch);
      const exe = join(next, names.executable);
      say('executable', `making the single executable for linux-${node.arch} (SEA + postject)`);
      const { codeCache } = await makeExecutable({ arch: node.arch, node: node.binary, script: bundle.file, out: exe });
      let ran = false;
      if ((await runnerFor(node.arch)) !== null) {
        const { stdout } = await runFor(node.arch, exe, ['--version']);
        if (stdout.trim() !== version) throw new Error(`the ${node.arch} executable says version "${stdout.trim()}", not ${version}`);
        ran = true;
      }
      say('tar.gz', `writing ${names['tar.gz']}`);
      await writeTarGz(
        join(next, names['tar.gz']),
        `posture-stage-${version}`,
        [
          { name: 'posture-stage', mode: 0o755, data: { path: exe } },
          { name: 'install.sh', mode: 0o755, data: files.installSh },
          { name: 'posture-stage-agent.service', mode: 0o644, data: files.unit('/usr/bin') },
          { name: 'posture-stage-agent.default', mode: 0o644, data: files.defaults },
          { name: 'INSTALL.txt', mode: 0o644, data: docText },
          { name: 'LICENSE.node', mode: 0o644, data: { path: node.license } },
          { name: 'posture-stage.1.gz', mode: 0o644, data: gzipSync(manPage(version), { level: 9 }) },
        ],
        builtAt,
      );
      say('deb', `building ${names.deb} (dpkg-deb)`);
      await buildDeb({
        arch: node.arch,
        version,
        executable: exe,
        license: node.license,
        installText: docText,
        files,
        builtAt,
        work: join(work, node.arch),
        out: join(next, names.deb),
      });
      for (const kind of ['executable', 'deb', 'tar.gz'] as const) artifacts.push(await artifact(next, names[kind], node.arch, kind));
      reports.push({ arch: node.arch, ran, codeCache, stripped: node.stripped, node: node.origin });
    }
    const manifest: KitManifest = { format: 1, version, node: process.version, builtAt: builtAt.toISOString(), buildKey: key, artifacts };
    await finishKit(next, manifest, null);
    await rm(kitDir, { recursive: true, force: true });
    await rename(next, kitDir);
    return { dir: kitDir, manifest, reused: false, seconds: (performance.now() - started) / 1000, arches: reports, skipped };
  } finally {
    await release();
  }
}

/** The clone's root, from this module's place (build/kit/ in sources, build/dist/build/kit/ compiled). */
export function cloneRoot(here: string): string {
  let dir = here;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'build', 'kit', 'files'))) {
    const up = join(dir, '..');
    if (up === dir) throw new Error(`no posture-stage clone above ${here}`);
    dir = up;
  }
  return dir;
}
