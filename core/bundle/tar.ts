/**
 * Nested `.tar.gz` payloads (bundle-format.md "Payloads": osgroupsV2.tar.gz → os-groups.xml,
 * osgroups.tar.gz → osgroups.xml). readX/writeX pair:
 * - read: gunzip under a cap (limits.maxTarSize), then tar-stream in memory; regular files only
 *   (symlinks, hard links, devices, FIFOs, directories refused), safe relative member names only,
 *   at most limits.maxTarMembers members, exactly the one expected file.
 * - write: a deterministic ustar (fixed mtime, uid/gid 0) gzip'd by node:zlib (gzip mtime 0).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { CoreError } from '../errors.js';
import type { Limits } from './types.js';

/** A member as tar-stream reports it, for fixtures that need hostile members. */
export interface TarMember {
  name: string;
  type?: 'file' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo' | 'directory';
  data?: Uint8Array | string;
  linkname?: string;
}

/** Builds a .tar.gz from members; deterministic for the same members and mtime. */
export async function writeTarGz(members: TarMember[], mtime: Date): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const m of members) {
    const data = m.data === undefined ? Buffer.alloc(0) : Buffer.from(m.data);
    const type = m.type ?? 'file';
    const header = {
      name: m.name,
      type,
      size: type === 'file' ? data.length : 0,
      mtime,
      mode: type === 'directory' ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      uname: 'root',
      gname: 'root',
      ...(m.linkname ? { linkname: m.linkname } : {}),
    };
    if (type === 'file') pack.entry(header, data);
    else pack.entry(header, () => undefined);
  }
  pack.finalize();
  await done;
  return new Uint8Array(gzipSync(Buffer.concat(chunks), { level: 9 }));
}

/** Why a member name is unsafe, or null (same rules as zip entry names, bundle-format.md). */
function unsafeName(name: string): string | null {
  if (name.includes('\0')) return 'contains NUL';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(name)) return 'has a drive letter';
  if (name.split('/').includes('..')) return 'contains ..';
  return null;
}

/** Opens a nested .tar.gz and returns the one expected regular file's bytes. */
export async function readTarGzMember(
  bytes: Uint8Array,
  entry: string,
  expected: string,
  limits: Pick<Limits, 'maxTarMembers' | 'maxTarSize'>,
): Promise<Uint8Array> {
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(bytes, { maxOutputLength: limits.maxTarSize });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CoreError(
        'ZIP_LIMIT',
        `${entry} inflates to more than the nested tar limit of ${limits.maxTarSize} bytes; the bundle is refused. Download the bundle again from Cisco.`,
        { entry, limit: 'maxTarSize', max: limits.maxTarSize },
      );
    }
    throw new CoreError(
      'PAYLOAD_INVALID',
      `${entry} is not a valid gzip file (${(e as Error).message}); the bundle is damaged or was not made for ISE. Download it again.`,
      { entry, reason: 'bad-gzip' },
    );
  }
  const found = await new Promise<Uint8Array>((resolve, reject) => {
    const extract = tar.extract();
    let count = 0;
    let result: Uint8Array | null = null;
    const fail = (err: CoreError) => {
      extract.destroy();
      reject(err);
    };
    extract.on('entry', (header, stream, next) => {
      count++;
      const name = header.name.replace(/^\.\//, '');
      const bad = unsafeName(header.name);
      if (count > limits.maxTarMembers)
        return fail(
          new CoreError('ZIP_LIMIT', `${entry} holds more than ${limits.maxTarMembers} tar members; the bundle is refused.`, {
            entry,
            limit: 'maxTarMembers',
            max: limits.maxTarMembers,
          }),
        );
      if (bad)
        return fail(
          new CoreError(
            'PAYLOAD_INVALID',
            `${entry} has a tar member whose name ${bad} (${JSON.stringify(header.name)}); such members are refused. The bundle is not safe to apply.`,
            { entry, member: header.name, reason: 'unsafe-member-name' },
          ),
        );
      if (header.type !== 'file' && header.type !== 'contiguous-file')
        return fail(
          new CoreError(
            'PAYLOAD_INVALID',
            `${entry} has a tar member "${header.name}" of type ${header.type ?? 'unknown'}; only regular files are allowed. The bundle is not safe to apply.`,
            { entry, member: header.name, type: header.type, reason: 'non-regular-member' },
          ),
        );
      if (name !== expected)
        return fail(
          new CoreError(
            'PAYLOAD_INVALID',
            `${entry} holds "${header.name}" but only ${expected} is expected there. The bundle was not made in the reference layout.`,
            { entry, member: header.name, expected, reason: 'unexpected-member' },
          ),
        );
      if (result)
        return fail(
          new CoreError('PAYLOAD_INVALID', `${entry} holds ${expected} twice.`, { entry, member: header.name, reason: 'duplicate-member' }),
        );
      const parts: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        parts.push(c as Buffer);
      });
      stream.on('end', () => {
        result = new Uint8Array(Buffer.concat(parts));
        next();
      });
      stream.on('error', (err: Error) => fail(new CoreError('PAYLOAD_INVALID', `${entry}: ${err.message}`, { entry, reason: 'bad-tar' })));
    });
    extract.on('finish', () => {
      if (result) resolve(result);
      else
        reject(
          new CoreError('PAYLOAD_INVALID', `${entry} does not hold ${expected}; the bundle is damaged or not in the reference layout.`, {
            entry,
            expected,
            reason: 'member-missing',
          }),
        );
    });
    extract.on('error', (err: Error) =>
      reject(
        new CoreError('PAYLOAD_INVALID', `${entry} is not a valid tar archive (${err.message}). Download the bundle again.`, {
          entry,
          reason: 'bad-tar',
        }),
      ),
    );
    extract.end(tarBytes);
  });
  return found;
}

/** Lists the member names of a .tar.gz (unknown layout: show what is inside without trusting it). */
export async function listTarGz(bytes: Uint8Array, limits: Pick<Limits, 'maxTarMembers' | 'maxTarSize'>): Promise<string[]> {
  const tarBytes = gunzipSync(bytes, { maxOutputLength: limits.maxTarSize });
  return new Promise<string[]>((resolve, reject) => {
    const names: string[] = [];
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      names.push(header.type === 'file' ? header.name : `${header.name} (${header.type ?? 'unknown'})`);
      if (names.length > limits.maxTarMembers) {
        extract.destroy();
        reject(new CoreError('ZIP_LIMIT', `nested tar has more than ${limits.maxTarMembers} members`, { limit: 'maxTarMembers' }));
        return;
      }
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', () => resolve(names));
    extract.on('error', reject);
    extract.end(tarBytes);
  });
}
