/**
 * The .deb, built with `dpkg-deb` from a staged tree (no downloads, no debhelper): /usr/bin/posture-stage,
 * the systemd unit in /lib/systemd/system, /etc/default/posture-stage-agent as a conffile (an admin's
 * edits survive upgrades), maintainer scripts from ./files, and the documentation lintian expects.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { KitArch } from '../../core/kit/index.js';
import type { KitFiles } from './scripts.js';

const run = promisify(execFile);
const MAINTAINER = 'Posture Stage maintainers <posture-stage@example.invalid>';

/** The highest GLIBC_x.y the binary needs (readelf reads any CPU's ELF), else Node 20's documented 2.28. */
async function glibcNeeded(binary: string): Promise<string> {
  try {
    const { stdout } = await run('readelf', ['-V', '-W', binary], { maxBuffer: 64 << 20 });
    const versions = [...stdout.matchAll(/Name: GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    versions.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const top = versions.at(-1);
    if (top) return `${top[0]}.${top[1]}`;
  } catch {
    // no readelf: fall back
  }
  return '2.28';
}

/** The name of the kit's instructions inside the packages (lintian reserves INSTALL for upstream build notes). */
const KIT_DOC = 'NODE-KIT.txt';

async function md5File(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

export function manPage(version: string): string {
  return [
    `.TH POSTURE-STAGE 1 "" "posture-stage ${version}" "User Commands"`,
    '.SH NAME',
    'posture-stage \\- node agent for offline Cisco ISE posture updates',
    '.SH SYNOPSIS',
    '.B posture-stage agent',
    '.I command',
    '.RB [ \\-\\-store',
    '.IR DIR ]',
    '.RI [ options ]',
    '.SH DESCRIPTION',
    'Keeps a node store of Cisco ISE posture content, checks and applies',
    '.I posture-offline.zip',
    'bundles atomically, and serves the HTTPS API of the node agent',
    '(the service',
    '.BR posture-stage-agent ).',
    'Run',
    '.B posture-stage \\-\\-help',
    'and',
    '.B posture-stage agent \\-\\-help',
    'for every command and option.',
    '.SH FILES',
    '.TP',
    '.I /etc/default/posture-stage-agent',
    'listen address and store of the service',
    '.TP',
    '.I /var/lib/posture-stage-agent',
    'the node store: states, history, API token, TLS key',
    '.SH SEE ALSO',
    `.I /usr/share/doc/posture-stage/${KIT_DOC}`,
    '',
  ].join('\n');
}

function rfc2822(d: Date): string {
  return d
    .toUTCString()
    .replace(/GMT$/, '+0000')
    .replace(/^(\w+), (\d) /, '$1, 0$2 ');
}

export interface DebInput {
  arch: KitArch;
  version: string;
  executable: string;
  license: string;
  installText: string;
  files: KitFiles;
  builtAt: Date;
  work: string;
  out: string;
}

/** Stages and builds the .deb at `out`. */
export async function buildDeb(i: DebInput): Promise<void> {
  const root = join(i.work, 'deb-root');
  await rm(root, { recursive: true, force: true });
  const doc = join(root, 'usr', 'share', 'doc', 'posture-stage');
  for (const d of ['DEBIAN', 'usr/bin', 'lib/systemd/system', 'etc/default', 'usr/share/man/man1', 'usr/share/lintian/overrides'])
    await mkdir(join(root, d), { recursive: true });
  await mkdir(doc, { recursive: true });
  const put = async (rel: string, data: string | Buffer, mode: number) => {
    await writeFile(join(root, rel), data);
    await chmod(join(root, rel), mode);
  };
  await copyFile(i.executable, join(root, 'usr/bin/posture-stage'));
  await chmod(join(root, 'usr/bin/posture-stage'), 0o755);
  await put('lib/systemd/system/posture-stage-agent.service', i.files.unit('/usr/bin'), 0o644);
  await put('etc/default/posture-stage-agent', i.files.defaults, 0o644);
  await put(
    'usr/share/doc/posture-stage/copyright',
    [
      'Posture Stage node agent',
      '',
      `Posture Stage: Copyright (C) ${i.builtAt.getUTCFullYear()} the Posture Stage authors. All rights reserved (not open source).`,
      '',
      '/usr/bin/posture-stage is a Node.js single-executable application: the Node.js runtime with the',
      'Posture Stage CLI and its npm dependencies bundled in. Those are under the MIT, ISC and BSD',
      'licenses, and some under the Apache License 2.0 (/usr/share/common-licenses/Apache-2.0).',
      'Node.js is under the MIT license; its LICENSE, with the licenses of the parts Node.js bundles,',
      'is /usr/share/doc/posture-stage/LICENSE.node.',
      '',
    ].join('\n'),
    0o644,
  );
  await put('usr/share/doc/posture-stage/LICENSE.node', await readFile(i.license), 0o644);
  await put(`usr/share/doc/posture-stage/${KIT_DOC}`, i.installText, 0o644);
  await put('usr/share/man/man1/posture-stage.1.gz', gzipSync(manPage(i.version), { level: 9 }), 0o644);
  // Node.js, inside the executable, bundles zlib and is built without PIE by its upstream
  await put(
    'usr/share/lintian/overrides/posture-stage',
    'posture-stage: embedded-library zlib [usr/bin/posture-stage]\nposture-stage: hardening-no-pie [usr/bin/posture-stage]\n',
    0o644,
  );
  const changelog = [
    `posture-stage (${i.version}) stable; urgency=medium`,
    '',
    `  * Node agent kit ${i.version}, built by npm run dist:agent.`,
    '',
    ` -- ${MAINTAINER}  ${rfc2822(i.builtAt)}`,
    '',
  ].join('\n');
  await put('usr/share/doc/posture-stage/changelog.gz', gzipSync(changelog, { level: 9 }), 0o644);

  let installedKiB = 0;
  const md5sums: string[] = [];
  for (const rel of (await listFiles(root)).filter((r) => !r.startsWith('DEBIAN/')).sort()) {
    installedKiB += Math.ceil((await stat(join(root, rel))).size / 1024);
    md5sums.push(`${await md5File(join(root, rel))}  ${rel}\n`);
  }
  const control = [
    'Package: posture-stage',
    `Version: ${i.version}`,
    `Architecture: ${i.arch === 'x64' ? 'amd64' : 'arm64'}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedKiB}`,
    `Depends: libc6 (>= ${await glibcNeeded(i.executable)}), libgcc-s1, libstdc++6 (>= 5), passwd`,
    'Section: admin',
    'Priority: optional',
    'Description: node agent for offline Cisco ISE posture updates',
    ' Posture Stage keeps Cisco ISE posture content current on nodes without',
    " internet access. This package runs its node agent on a Linux host in ISE's",
    ' zone (never on the ISE appliance): an HTTPS API, also driven over SSH/SFTP,',
    ' that re-checks each posture-offline.zip and applies it atomically to a',
    ' local store.',
    ' .',
    ' The executable is self-contained: it needs no Node.js and no network.',
    '',
  ].join('\n');
  await put('DEBIAN/control', control, 0o644);
  await put('DEBIAN/md5sums', md5sums.join(''), 0o644);
  await put('DEBIAN/conffiles', '/etc/default/posture-stage-agent\n', 0o644);
  await put('DEBIAN/postinst', i.files.postinst, 0o755);
  await put('DEBIAN/prerm', i.files.prerm, 0o755);
  await put('DEBIAN/postrm', i.files.postrm, 0o755);
  // xz at level 1: nearly the size of the default level at a third of the time
  await rm(i.out, { force: true });
  await run('dpkg-deb', ['--root-owner-group', '-Zxz', '-z1', '--build', root, i.out], { maxBuffer: 1 << 20 });
  await rm(root, { recursive: true, force: true });
}
