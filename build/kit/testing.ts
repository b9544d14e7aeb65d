/**
 * Test support for the node kit: one kit build per test run, shared by every kit test file (the
 * builder's lock and build key make the second caller wait and reuse), an "older" kit for upgrade
 * tests, running the executable with no Node.js reachable, and a TLS client pinned to a fingerprint.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { buildKit, cloneRoot, type BuiltKit } from './build.js';
import type { KitArch, KitArtifact } from '../../core/kit/index.js';
import { hashTree } from '../../core/agent/testing.js';

export const run = promisify(execFile);
const ROOT = cloneRoot(fileURLToPath(new URL('.', import.meta.url)));
/** Generous: a cold build makes two executables, two .debs and two .tar.gz on a shared machine. */
export const BUILD_TIMEOUT = 900_000;
/** The version of the "older" kit of the upgrade tests. */
export const OLD_VERSION = '0.0.9';

/** The kit `npm run dist:agent` builds (reused when up to date). */
export function ensureKit(): Promise<BuiltKit> {
  return buildKit({ root: ROOT });
}

/** An older kit for this CPU (same sources, `--version 0.0.9`), in its own folder. */
export function ensureOldKit(): Promise<BuiltKit> {
  const out = join(ROOT, 'build', 'dist-agent');
  return buildKit({
    root: ROOT,
    out: join(out, `test-${OLD_VERSION}`),
    cache: join(out, 'cache'),
    arches: [hostArch()],
    version: OLD_VERSION,
  });
}

export function hostArch(): KitArch {
  if (process.arch !== 'x64' && process.arch !== 'arm64') throw new Error(`no kit for ${process.arch}`);
  return process.arch;
}

/** The artifact of `kind` for `arch` in a built kit, as an absolute path. */
export function artifactPath(kit: BuiltKit, kind: KitArtifact['kind'], arch: KitArch = hostArch()): string {
  const a = kit.manifest.artifacts.find((x) => x.kind === kind && x.arch === arch);
  if (!a) throw new Error(`the kit has no ${kind} for ${arch}`);
  return join(kit.dir, a.file);
}

/** An environment in which no `node` can be found: only PATH=/nonexistent (like `env -i PATH=/nonexistent`). */
const NO_NODE_ENV = { PATH: '/nonexistent' };

/** Runs the executable with no Node.js reachable; never throws on a non-zero exit. */
export async function runBare(exe: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(exe, args, { cwd, env: NO_NODE_ENV, maxBuffer: 16 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Starts `exe agent serve --json` with no Node.js reachable; resolves with its first JSON line. */
export function serveBare(
  exe: string,
  store: string,
  cwd: string,
): Promise<{ child: ChildProcessWithoutNullStreams; info: { url: string; port: number; fingerprint: string } }> {
  const child = spawn(exe, ['agent', 'serve', '--store', store, '--listen', '127.0.0.1:0', '--json'], { cwd, env: NO_NODE_ENV });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        try {
          resolve({ child, info: JSON.parse(line) as { url: string; port: number; fingerprint: string } });
        } catch (e) {
          reject(e as Error);
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`agent serve exited ${code}: ${err}${out}`)));
  });
}

/** "SHA256:<base64>" of a certificate's DER, as `agent init` prints it. */
function fingerprintOf(cert: PeerCertificate): string {
  return 'SHA256:' + createHash('sha256').update(cert.raw).digest('base64').replace(/=+$/, '');
}

/**
 * GET over TLS pinned to `fingerprint`: the TLS connection is made first and dropped unless the
 * server's certificate has exactly that fingerprint; only then is the request written on it.
 */
export async function pinnedGet(url: string, fingerprint: string, token?: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, servername: 'localhost' }, () => {
      const seen = fingerprintOf(s.getPeerCertificate());
      if (seen === fingerprint) resolve(s);
      else {
        s.destroy();
        reject(new Error(`pinned ${fingerprint}, server has ${seen}`));
      }
    });
    s.on('error', reject);
  });
  return new Promise((resolve, reject) => {
    // plain HTTP framing over the already verified TLS socket
    const req = request({
      host: u.hostname,
      port: Number(u.port),
      path: u.pathname + u.search,
      method: 'GET',
      createConnection: () => socket,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A directory that stands for / in installs with `install.sh --root` and `dpkg --root`: the account
 * files useradd edits there, dpkg's database, and modes that let the service user reach its store.
 */
export async function makeTempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'kit-root-'));
  await chmod(root, 0o755);
  for (const d of ['etc', 'tmp', 'var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers'])
    await mkdir(join(root, d), { recursive: true });
  await chmod(join(root, 'tmp'), 0o1777);
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\n');
  await writeFile(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  await writeFile(join(root, 'etc/gshadow'), 'root:*::\n', { mode: 0o640 });
  await writeFile(join(root, 'var/lib/dpkg/status'), '');
  return root;
}

/** uid and gid of `user` in the temp root's /etc/passwd (null when absent), and how many entries it has. */
export async function rootUser(root: string, user = 'posture-stage'): Promise<{ uid: number; gid: number; entries: number } | null> {
  const lines = (await readFile(join(root, 'etc/passwd'), 'utf8')).split('\n').filter((l) => l.startsWith(`${user}:`));
  const f = lines[0]?.split(':');
  return f ? { uid: Number(f[2]), gid: Number(f[3]), entries: lines.length } : null;
}

/** Runs the installed executable of a temp root as the service user, like the service would. */
export async function runAsService(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const u = await rootUser(root);
  if (!u) throw new Error('no service user in the temp root');
  const exe = join(root, 'usr/bin/posture-stage');
  try {
    const r = await run('/usr/bin/setpriv', [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--clear-groups', '--', exe, ...args], {
      env: NO_NODE_ENV,
      cwd: '/',
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** A store's observable state: status and history (as JSON), and a hash of every file in it. */
export async function storeSnapshot(
  root: string,
  store: string,
): Promise<{ status: Record<string, unknown>; history: unknown; tree: string }> {
  const status = JSON.parse((await runAsService(root, ['agent', 'status', '--store', store, '--json'])).stdout) as Record<string, unknown>;
  const history = JSON.parse((await runAsService(root, ['agent', 'history', '--store', store, '--json'])).stdout) as unknown;
  return { status, history, tree: await hashTree(store) };
}
