/**
 * `npm run dist:agent [-- --arch A] [--key KEY [--passphrase-env VAR]] [--version V] [--force]`:
 * builds the node kit into build/dist-agent/kit and prints its files and sizes. `--progress-json`
 * (used by `agent package` in a clone) prints one JSON line per step on stdout instead.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { finishKit, loadKitKey, KIT_ARCHES, type KitArch } from '../../core/kit/index.js';
import { buildKit, cloneRoot } from './build.js';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', multiple: true },
    version: { type: 'string' },
    out: { type: 'string' },
    key: { type: 'string' },
    'passphrase-env': { type: 'string' },
    force: { type: 'boolean' },
    'progress-json': { type: 'boolean' },
  },
});

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const json = Boolean(values['progress-json']);
const arches = values.arch?.map((a) => {
  if (!(KIT_ARCHES as readonly string[]).includes(a)) throw new Error(`--arch must be one of ${KIT_ARCHES.join(', ')}, not ${a}`);
  return a as KitArch;
});

try {
  const root = cloneRoot(dirname(fileURLToPath(import.meta.url)));
  const built = await buildKit({
    root,
    ...(values.out ? { out: values.out } : {}),
    ...(arches ? { arches } : {}),
    ...(values.version ? { version: values.version } : {}),
    force: Boolean(values.force),
    onProgress: (step, message) => {
      if (json) process.stdout.write(JSON.stringify({ step, message }) + '\n');
      else process.stderr.write(`dist:agent: ${message}\n`);
    },
  });
  if (values.key) {
    const env = values['passphrase-env'];
    const passphrase = env ? process.env[env] : undefined;
    if (env && passphrase === undefined) throw new Error(`--passphrase-env ${env}: that environment variable is not set`);
    const r = await finishKit(built.dir, built.manifest, await loadKitKey(values.key, passphrase));
    if (!json) process.stderr.write(`dist:agent: SHA256SUMS signed by ${r.signer?.fingerprint} (namespace ${r.signer?.namespace})\n`);
  }
  if (json) process.stdout.write(JSON.stringify({ step: 'done', message: built.dir }) + '\n');
  else {
    const lines = [`Node kit ${built.manifest.version} (Node.js ${built.manifest.node}) in ${built.dir}`];
    lines.push(built.reused ? `  up to date, reused (${built.seconds.toFixed(1)} s)` : `  built in ${built.seconds.toFixed(1)} s`);
    for (const arch of [...new Set(built.manifest.artifacts.map((a) => a.arch))]) {
      const size = (kind: string) => built.manifest.artifacts.find((a) => a.arch === arch && a.kind === kind)?.size ?? 0;
      const r = built.arches.find((x) => x.arch === arch);
      const notes = r
        ? ` (${[r.stripped ? 'stripped' : 'not stripped', r.codeCache ? 'code cache' : 'no code cache', r.ran ? 'ran --version' : 'build only: not run here'].join(', ')})`
        : '';
      lines.push(
        `  linux-${arch.padEnd(5)}  executable ${mb(size('executable'))}   .deb ${mb(size('deb'))}   .tar.gz ${mb(size('tar.gz'))}${notes}`,
      );
    }
    for (const s of built.skipped) lines.push(`  linux-${s.arch}: skipped: ${s.reason}`);
    for (const a of built.manifest.artifacts) lines.push(`    ${a.file}  ${a.size}  ${a.sha256}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
} catch (e) {
  process.stderr.write(`dist:agent: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
