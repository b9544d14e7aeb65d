/**
 * Helpers for the agent's tests and the bench: tree hashing, a TLS client trusting the store's cert,
 * and sample bundles from the bundle core's writer.
 */
import { readdir, readFile, lstat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch, type RequestInit } from 'undici';
import { storePaths } from './paths.js';

/** SHA-256 over every path, type and file content under `dir` (sorted), skipping `exclude`d top-level names. */
export async function hashTree(dir: string, exclude: string[] = []): Promise<string> {
  const hash = createHash('sha256');
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(join(dir, rel))).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      if (!rel && exclude.includes(name)) continue;
      const st = await lstat(join(dir, r));
      if (st.isDirectory()) {
        hash.update(`d ${r}\n`);
        await walk(r);
      } else {
        hash.update(`f ${r} ${st.mode & 0o777}\n`);
        hash.update(await readFile(join(dir, r)));
      }
    }
  }
  await walk('');
  return hash.digest('hex');
}

/** An HTTPS client trusting only the store's own certificate (as a pinned client would). */
export async function storeClient(store: string, baseUrl: string) {
  const ca = await readFile(storePaths(store).cert, 'utf8');
  const token = (await readFile(storePaths(store).token, 'utf8')).trim();
  const dispatcher = new Agent({ connect: { ca }, bodyTimeout: 300_000, headersTimeout: 300_000 });
  const call = async (path: string, init: Omit<RequestInit, 'headers'> & { auth?: boolean; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.auth !== false) headers.authorization = `Bearer ${token}`;
    const { auth: _auth, ...rest } = init;
    const res = await undiciFetch(baseUrl + path, { ...rest, headers, dispatcher });
    const text = await res.text();
    // answers are asserted field by field in the tests; a loose type keeps those assertions readable
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* text/plain answers */
    }
    return { status: res.status, text, json };
  };
  return { call, token, close: () => dispatcher.close() };
}

/** sha256 hex of bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Versions of the seed's "before" screenshot (bundle-format.md "What is public"). */
export const OLD_VERSIONS = {
  conditions: '280052.0.0.0',
  avasWindows: '263.0.0.0',
  avasMac: '181.0.0.0',
  avasLinux: '33.0.0.0',
  supportedOs: '84.6.2.0',
};
/** Versions of the seed's "after" screenshot. */
export const NEW_VERSIONS = {
  conditions: '300418.0.0.0',
  avasWindows: '297.0.0.0',
  avasMac: '214.0.0.0',
  avasLinux: '66.0.0.0',
  supportedOs: '101.6.3.0',
};

/** Writes a sample bundle (bundle core's writer) to `dir/name`. */
export async function sampleFile(dir: string, name: string, opts: import('../bundle/types.js').SampleOptions = {}): Promise<string> {
  const { writeBundle } = await import('../bundle/index.js');
  const { writeFile } = await import('node:fs/promises');
  const file = join(dir, name);
  await writeFile(file, await writeBundle({ scale: 0.05, ...opts }));
  return file;
}

/** A hostile variant of a good bundle and the code the node must refuse it with (an unknown layout is not one: it is staged). */
export interface HostileBundle {
  name: string;
  bytes: Uint8Array;
  code: string;
}

/** Hostile bundles built from a good one with jszip (used when core/bundle/fixtures has none to offer). */
export async function hostileBundles(good: Uint8Array): Promise<HostileBundle[]> {
  const { default: JSZip } = await import('jszip');
  const edit = async (fn: (zip: InstanceType<typeof JSZip>) => Promise<void>) => {
    const zip = await JSZip.loadAsync(good);
    await fn(zip);
    return new Uint8Array(await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }));
  };
  const fixManifest = async (zip: InstanceType<typeof JSZip>, file: string, bytes: Uint8Array) => {
    const manifest = await zip.file('posture-update.xml')!.async('string');
    const fixed = manifest.replace(new RegExp(`(<entry>(?:(?!</entry>)[\\s\\S])*?</entry>)`, 'g'), (entry) =>
      entry.includes(`href="${file}"`)
        ? entry
            .replace(/<update:sha256>[0-9a-f]+<\/update:sha256>/, `<update:sha256>${sha256(bytes)}</update:sha256>`)
            .replace(/length="\d+"/, `length="${bytes.length}"`)
        : entry,
    );
    zip.file('posture-update.xml', fixed);
  };
  return [
    {
      name: 'checksum mismatch',
      code: 'CHECKSUM_MISMATCH',
      bytes: await edit(async (zip) => {
        const text = await zip.file('posture-conditions.xml')!.async('string');
        zip.file('posture-conditions.xml', text.replace('name="', 'name="X').replace(/name="X(.)/, 'name="X'));
      }),
    },
    {
      name: 'DTD in a payload',
      code: 'PAYLOAD_INVALID',
      bytes: await edit(async (zip) => {
        const text = await zip.file('avas-support-chart-mac.xml')!.async('string');
        const evil = text.replace(
          /^(<\?xml[^>]*\?>)?/,
          (decl) => `${decl}<!DOCTYPE avasSupportChart [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>`,
        );
        const bytes = new Uint8Array(Buffer.from(evil, 'utf8'));
        zip.file('avas-support-chart-mac.xml', bytes);
        await fixManifest(zip, 'avas-support-chart-mac.xml', bytes);
      }),
    },
    {
      name: 'unsafe path',
      code: 'ZIP_UNSAFE_PATH',
      bytes: await edit(async (zip) => {
        zip.file('../../etc/evil.txt', 'x');
      }),
    },
    { name: 'not a zip', code: 'NOT_A_ZIP', bytes: new Uint8Array(Buffer.from('\x1f\x8b\x08\x00 this is a gzip, not a zip')) },
    { name: 'truncated zip', code: 'ZIP_CORRUPT', bytes: good.slice(0, Math.floor(good.length / 2)) },
  ];
}

/** One raw HTTP/1.1 exchange over TLS: the path goes on the wire byte for byte (no client normalises it). */
export async function rawHttps(
  port: number,
  req: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; head: string; body: string }> {
  const { connect } = await import('node:tls');
  const body = req.body ?? '';
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, connection: 'close', ...req.headers };
  if (req.method !== 'GET' && req.method !== 'HEAD') headers['content-length'] = String(Buffer.byteLength(body));
  const text = `${req.method} ${req.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n${body}`;
  return new Promise((resolve, reject) => {
    // the store's self-signed cert is not what is under test here; the path handling is
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const head = split < 0 ? all : all.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split < 0 ? '' : all.slice(split + 4) });
    });
  });
}

/** An unknown-layout bundle built at test time, and what it is meant to show. */
export interface UnknownLayoutZip {
  shape: 'nested-folders' | 'renamed-members' | 'no-manifest';
  bytes: Uint8Array;
}

/**
 * Unknown-layout zips (bundle-format.md: no posture-update.xml at the root) in several shapes, built from a
 * reference bundle's payloads with jszip: nested folders; XML and a tar.gz stored under other names; the
 * reference files without their manifest. Cisco's real layout is not published: these stand in for it.
 */
export async function unknownLayoutZips(opts: import('../bundle/types.js').SampleOptions = {}): Promise<UnknownLayoutZip[]> {
  const { default: JSZip } = await import('jszip');
  const { writeBundle } = await import('../bundle/index.js');
  const ref = await JSZip.loadAsync(await writeBundle({ scale: 0.05, ...opts }));
  const files = new Map<string, Uint8Array>();
  for (const name of Object.keys(ref.files)) if (!ref.files[name]!.dir) files.set(name, await ref.file(name)!.async('uint8array'));
  const get = (name: string) => files.get(name)!;
  // fixed dates: the same inputs give the same bytes
  const date = new Date('2025-03-13T05:00:00Z');
  const zip = async (entries: Array<[string, Uint8Array | string]>) => {
    const z = new JSZip();
    for (const [name, data] of entries) z.file(name, data, { date });
    return new Uint8Array(await z.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }));
  };
  return [
    {
      shape: 'nested-folders',
      bytes: await zip([
        ['cisco/posture/conditions/posture-conditions.xml', get('posture-conditions.xml')],
        ['cisco/posture/avas/windows/avas-support-chart-windows.xml', get('avas-support-chart-windows.xml')],
        ['cisco/posture/avas/mac/avas-support-chart-mac.xml', get('avas-support-chart-mac.xml')],
        ['cisco/posture/avas/linux/avas-support-chart-linux.xml', get('avas-support-chart-linux.xml')],
        ['cisco/os/v2/osgroupsV2.tar.gz', get('osgroupsV2.tar.gz')],
        ['cisco/os/osgroups.tar.gz', get('osgroups.tar.gz')],
      ]),
    },
    {
      shape: 'renamed-members',
      bytes: await zip([
        ['data/payload-01.bin', get('posture-conditions.xml')],
        ['data/payload-02.bin', get('avas-support-chart-windows.xml')],
        ['data/blob-03.dat', get('osgroupsV2.tar.gz')],
        ['data/blob-04', get('osgroups.tar.gz')],
        ['README', 'Offline posture update bundle\n'],
      ]),
    },
    {
      shape: 'no-manifest',
      bytes: await zip([...files].filter(([name]) => name !== 'posture-update.xml')),
    },
  ];
}
