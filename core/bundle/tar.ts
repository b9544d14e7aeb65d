/**
 * Nested `.tar.gz` payloads (bundle-format.md "Payloads": osgroupsV2.tar.gz → os-groups.xml,
 * osgroups.tar.gz → osgroups.xml). readX/writeX pair:
 * - read: gunzip as a stream (never whole in memory) under the nested limits: limits.maxTarSize bytes,
 *   and the ratio limit (limits.maxRatio:1 once past limits.ratioThreshold, as for zip entries) against
 *   the .tar.gz's own size; tar-stream walks the tar as it inflates; regular files only (symlinks, hard
 *   links, devices, FIFOs, directories refused), safe relative member names only, at most
 *   limits.maxTarMembers members, exactly the one expected file, whose bytes go to the parser as they come.
 * - write: a deterministic ustar (fixed mtime, uid/gid 0) gzip'd by node:zlib (gzip mtime 0).
 */
import { createGunzip, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { CoreError } from '../errors.js';
import type { Limits } from './types.js';
import { isBudgetError } from './xml/budget.js';
import { nameProblem } from './zip/names.js';

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

/** Why a member name is unsafe, or null (same rules as zip entry names, bundle-format.md; zip/names.ts). */
function unsafeName(name: string): string | null {
  if (name.includes('\0')) return 'contains NUL';
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(name)) return 'has a drive letter';
  if (name.split('/').includes('..')) return 'contains ..';
  return nameProblem(name);
}

/** The limits a nested .tar.gz is read under. */
export type TarLimits = Pick<Limits, 'maxTarMembers' | 'maxTarSize' | 'maxRatio' | 'ratioThreshold'>;

/** The most a nested gzip may inflate to: the tar size limit, and the ratio limit once past its threshold. */
function nestedCap(entry: string, compressedSize: number, limits: TarLimits): { bytes: number; error: () => CoreError } {
  const ratioBytes = Math.max(limits.ratioThreshold, limits.maxRatio * compressedSize);
  if (ratioBytes < limits.maxTarSize)
    return {
      bytes: ratioBytes,
      error: () =>
        new CoreError(
          'ZIP_LIMIT',
          `${entry} inflates past the compression ratio limit of ${limits.maxRatio}:1 (measured while inflating, once past ${limits.ratioThreshold} bytes); the bundle is refused as a likely decompression bomb. Download the bundle again from Cisco.`,
          { entry, limit: 'maxRatio', max: limits.maxRatio, threshold: limits.ratioThreshold, compressedSize, nested: true },
        ),
    };
  return {
    bytes: limits.maxTarSize,
    error: () =>
      new CoreError(
        'ZIP_LIMIT',
        `${entry} inflates to more than the nested tar limit of ${limits.maxTarSize} bytes; the bundle is refused. Download the bundle again from Cisco.`,
        { entry, limit: 'maxTarSize', max: limits.maxTarSize },
      ),
  };
}

/** What a TarGzStream does with each member. */
interface MemberPolicy {
  /** called for each member header; throws to refuse; returns the sink for the member's bytes, or null to skip them */
  member(header: tar.Header, count: number): { data(chunk: Uint8Array): void; end(): void } | null;
  /** called once the tar ended without a refusal */
  finish(): void;
}

/**
 * A nested .tar.gz read as it arrives: gzip inflated as a stream (never into one buffer) under the
 * nested limits, the tar walked by tar-stream. write() waits while the inflater is busy (backpressure);
 * end() settles with the first refusal. After a refusal, writes are accepted and dropped, so the caller
 * can still finish the zip entry the bytes come from (its CRC and size are checked first).
 */
class TarGzStream {
  /** the first refusal (readable while bytes are still being written) */
  failure: CoreError | null = null;
  private readonly gunzip = createGunzip({ chunkSize: 256 * 1024 });
  private readonly extract = tar.extract();
  private readonly done: Promise<void>;
  private inflated = 0;

  constructor(
    private readonly entry: string,
    compressedSize: number,
    limits: TarLimits,
    policy: MemberPolicy,
  ) {
    const cap = nestedCap(entry, compressedSize, limits);
    let count = 0;
    this.done = new Promise<void>((resolve, reject) => {
      const fail = (err: CoreError): void => {
        if (this.failure) return;
        this.failure = err;
        this.gunzip.destroy();
        this.extract.destroy();
        reject(err);
      };
      this.fail = fail;
      this.gunzip.on('data', (chunk: Buffer) => {
        if (this.failure) return;
        this.inflated += chunk.length;
        if (this.inflated > cap.bytes) return fail(cap.error());
        if (!this.extract.write(chunk)) {
          this.gunzip.pause();
          this.extract.once('drain', () => this.gunzip.resume());
        }
      });
      this.gunzip.on('end', () => {
        if (!this.failure) this.extract.end(Buffer.alloc(0));
      });
      this.gunzip.on('error', (e: Error) =>
        fail(
          new CoreError(
            'PAYLOAD_INVALID',
            `${entry} is not a valid gzip file (${e.message}); the bundle is damaged or was not made for ISE. Download it again.`,
            { entry, reason: 'bad-gzip' },
          ),
        ),
      );
      this.extract.on('entry', (header, stream, next) => {
        count++;
        let sink: ReturnType<MemberPolicy['member']>;
        try {
          sink = policy.member(header, count);
        } catch (e) {
          return fail(e as CoreError);
        }
        stream.on('data', (c: unknown) => {
          if (!this.failure) sink?.data(c as Buffer);
        });
        stream.on('end', () => {
          if (this.failure) return;
          sink?.end();
          next();
        });
        stream.on('error', (err: Error) =>
          fail(new CoreError('PAYLOAD_INVALID', `${entry}: ${err.message}`, { entry, reason: 'bad-tar' })),
        );
      });
      this.extract.on('finish', () => {
        if (this.failure) return;
        try {
          policy.finish();
          resolve();
        } catch (e) {
          fail(e as CoreError);
        }
      });
      this.extract.on('error', (err: Error) =>
        fail(
          new CoreError('PAYLOAD_INVALID', `${entry} is not a valid tar archive (${err.message}). Download the bundle again.`, {
            entry,
            reason: 'bad-tar',
          }),
        ),
      );
    });
    // end() reports the failure; until then it must not count as unhandled
    this.done.catch(() => undefined);
  }

  /** Feeds gzip bytes; resolves when more may be written. */
  write(chunk: Uint8Array): Promise<void> | void {
    if (this.failure) return;
    // a copy: the chunk may be a view of the zip (or of an inflater buffer) that the caller reuses
    if (this.gunzip.write(Buffer.from(chunk))) return;
    return new Promise<void>((resolve) => {
      const go = (): void => {
        this.gunzip.off('drain', go);
        this.gunzip.off('close', go);
        resolve();
      };
      this.gunzip.on('drain', go);
      this.gunzip.on('close', go);
    });
  }

  /** Ends the tar with `err` (a consumer's refusal that must end everything, such as the XML work budget). */
  fail: (err: CoreError) => void = () => undefined;

  /** Stops reading without a verdict. */
  abort(): void {
    if (this.failure) return;
    this.failure = new CoreError('CANCELLED', 'aborted');
    this.gunzip.destroy();
    this.extract.destroy();
  }

  /** No more bytes: settles once the tar is walked, with the first refusal. */
  async end(): Promise<void> {
    if (!this.failure) this.gunzip.end();
    await this.done;
  }
}

/**
 * Reads the one expected regular file of a nested .tar.gz as it inflates, handing its bytes to `member`.
 * The tar is always walked to its end, so its own refusals (limits, gzip, member types and names) are
 * found even after `member` failed: the checks report the tar's first (bundle-format.md check order).
 * A member that throws is fed no more (its consumer keeps its own verdict); the XML work budget's refusal
 * ends the tar at once.
 */
export class TarGzMemberReader {
  private readonly stream: TarGzStream;
  private memberError: unknown = null;

  constructor(
    entry: string,
    expected: string,
    compressedSize: number,
    limits: TarLimits,
    member: { write(chunk: Uint8Array): void; end(): void },
  ) {
    let found = false;
    this.stream = new TarGzStream(entry, compressedSize, limits, {
      member: (header, count) => {
        const name = header.name.replace(/^\.\//, '');
        const bad = unsafeName(header.name);
        if (count > limits.maxTarMembers)
          throw new CoreError('ZIP_LIMIT', `${entry} holds more than ${limits.maxTarMembers} tar members; the bundle is refused.`, {
            entry,
            limit: 'maxTarMembers',
            max: limits.maxTarMembers,
          });
        if (bad)
          throw new CoreError(
            'PAYLOAD_INVALID',
            `${entry} has a tar member whose name ${bad} (${JSON.stringify(header.name)}); such members are refused. The bundle is not safe to apply.`,
            { entry, member: header.name, reason: 'unsafe-member-name' },
          );
        if (header.type !== 'file' && header.type !== 'contiguous-file')
          throw new CoreError(
            'PAYLOAD_INVALID',
            `${entry} has a tar member "${header.name}" of type ${header.type ?? 'unknown'}; only regular files are allowed. The bundle is not safe to apply.`,
            { entry, member: header.name, type: header.type, reason: 'non-regular-member' },
          );
        if (name !== expected)
          throw new CoreError(
            'PAYLOAD_INVALID',
            `${entry} holds "${header.name}" but only ${expected} is expected there. The bundle was not made in the reference layout.`,
            { entry, member: header.name, expected, reason: 'unexpected-member' },
          );
        if (found)
          throw new CoreError('PAYLOAD_INVALID', `${entry} holds ${expected} twice.`, {
            entry,
            member: header.name,
            reason: 'duplicate-member',
          });
        found = true;
        return {
          data: (chunk) => {
            if (this.memberError !== null) return;
            try {
              member.write(chunk);
            } catch (e) {
              this.memberFailed(e);
            }
          },
          end: () => {
            if (this.memberError !== null) return;
            try {
              member.end();
            } catch (e) {
              this.memberFailed(e);
            }
          },
        };
      },
      finish: () => {
        if (!found)
          throw new CoreError(
            'PAYLOAD_INVALID',
            `${entry} does not hold ${expected}; the bundle is damaged or not in the reference layout.`,
            {
              entry,
              expected,
              reason: 'member-missing',
            },
          );
      },
    });
  }

  write(chunk: Uint8Array): Promise<void> | void {
    return this.stream.write(chunk);
  }

  /** The member's consumer refused: it is fed no more, and the XML work budget's refusal ends the tar now. */
  private memberFailed(e: unknown): void {
    if (isBudgetError(e)) this.stream.fail(e);
    else this.memberError = e;
  }

  /** The tar's refusal so far (null while it is sound). */
  get failure(): CoreError | null {
    return this.stream.failure;
  }

  /** Settles with the tar's own refusal. */
  end(): Promise<void> {
    return this.stream.end();
  }

  /** Stops reading (the caller already knows its verdict); nothing is reported. */
  abort(): void {
    this.stream.abort();
  }
}

/** Lists the member names of a nested .tar.gz as it inflates (unknown layout: show what is inside without trusting it). */
export class TarGzLister {
  readonly names: string[] = [];
  private readonly stream: TarGzStream;

  constructor(entry: string, compressedSize: number, limits: TarLimits) {
    this.stream = new TarGzStream(entry, compressedSize, limits, {
      member: (header) => {
        this.names.push(header.type === 'file' ? header.name : `${header.name} (${header.type ?? 'unknown'})`);
        if (this.names.length > limits.maxTarMembers)
          throw new CoreError('ZIP_LIMIT', `nested tar has more than ${limits.maxTarMembers} members`, { limit: 'maxTarMembers' });
        return null;
      },
      finish: () => undefined,
    });
  }

  write(chunk: Uint8Array): Promise<void> | void {
    return this.stream.write(chunk);
  }

  end(): Promise<void> {
    return this.stream.end();
  }

  abort(): void {
    this.stream.abort();
  }
}
