/**
 * Push over SFTP (interfaces.md `push … --to sftp://user@host[:22]/store-path`): upload to
 * `inbox/.<name>.part` (resuming from the remote part's size), verify size and SHA-256 remotely with
 * `CMD agent verify` (no re-download), rename into place, then `CMD agent apply --store DIR <file> --json`
 * over the same connection, and return the node's answer.
 */
import { open as openLocal, stat } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';
import { CoreError } from '../errors.js';
import type { ApplyResult } from '../agent/types.js';
import { openSsh, runAgentJson, type SshOptions, type SshSession } from './ssh-session.js';
import { shellQuote, type Target } from './target.js';
import type { PushEventSink } from './events.js';

export interface SftpPushOptions extends SshOptions {
  /** remote posture-stage command (default "posture-stage") */
  remoteCommand?: string;
  dryRun?: boolean;
  allowDowngrade?: boolean;
  /** reconnects after a cut connection (default 2) */
  retries?: number;
}

const CHUNK = 64 * 1024;
const IN_FLIGHT = 32;

function rawCall<T>(fn: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

/** Pipelined writes from `offset` (many requests in flight, like OpenSSH's sftp). */
async function uploadFrom(
  raw: SFTPWrapper,
  lost: Promise<never>,
  local: string,
  remote: string,
  offset: number,
  size: number,
  onBytes: (done: number) => void,
): Promise<void> {
  const handle = await Promise.race([rawCall<Buffer>((cb) => raw.open(remote, offset > 0 ? 'r+' : 'w', { mode: 0o600 }, cb)), lost]);
  const file = await openLocal(local, 'r');
  let pos = offset;
  let done = offset;
  let failure: Error | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      lost.catch((e: Error) => {
        failure = e;
        reject(e);
      });
      let inFlight = 0;
      const pump = (): void => {
        if (failure) return;
        if (pos >= size && inFlight === 0) return resolve();
        while (inFlight < IN_FLIGHT && pos < size) {
          const at = pos;
          const len = Math.min(CHUNK, size - at);
          pos += len;
          inFlight++;
          const buf = Buffer.allocUnsafe(len);
          file.read(buf, 0, len, at).then(
            ({ bytesRead }) => {
              raw.write(handle, buf, 0, bytesRead, at, (err) => {
                inFlight--;
                if (err) {
                  failure = err;
                  return reject(err);
                }
                done += bytesRead;
                onBytes(done);
                pump();
              });
            },
            (err: Error) => {
              failure = err;
              reject(err);
            },
          );
        }
      };
      pump();
    });
  } finally {
    await file.close();
    await Promise.race([rawCall<void>((cb) => raw.close(handle, cb as never)), lost]).catch(() => undefined);
  }
}

/**
 * Where to resume a cut upload. Writes go out as their local reads complete, so a cut can leave holes,
 * but only among the last IN_FLIGHT chunks before the part's end: resume before them, on a chunk boundary.
 */
export function resumeOffset(partSize: number, size: number): number {
  if (partSize > size) return 0;
  const safe = partSize - IN_FLIGHT * CHUNK;
  return safe > 0 ? Math.floor(safe / CHUNK) * CHUNK : 0;
}

async function remoteSize(session: SshSession, path: string): Promise<number> {
  try {
    return (await session.sftp.stat(path)).size;
  } catch {
    return 0;
  }
}

/** One SFTP push with resume; emits upload/verify/apply events. */
export async function pushSftp(
  file: string,
  sha256Ready: string | Promise<string>,
  target: Extract<Target, { kind: 'sftp' }>,
  opts: SftpPushOptions,
  emit: PushEventSink,
): Promise<ApplyResult & { resumedFrom?: number }> {
  const cmd = opts.remoteCommand ?? 'posture-stage';
  const inbox = `${target.store.replace(/\/+$/, '')}/inbox`;
  const store = shellQuote(target.store);
  let resumedFrom: number | undefined;
  const retries = opts.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    emit({ step: 'connect', attempt });
    const session = await openSsh(target, opts);
    try {
      // the connection (host key, auth) is made while the local check runs; nothing is sent before it passes
      const sha256 = await sha256Ready;
      const size = (await stat(file)).size;
      const name = `${sha256}.zip`;
      const part = `${inbox}/.${name}.part`;
      const offset = resumeOffset(await remoteSize(session, part), size);
      if (offset > 0) resumedFrom = offset;
      const started = Date.now();
      emit({ step: 'upload', done: offset, total: size });
      try {
        await uploadFrom(session.raw, session.lost, file, part, offset, size, (done) => {
          const seconds = Math.max((Date.now() - started) / 1000, 0.001);
          emit({ step: 'upload', done, total: size, rate: (done - offset) / seconds });
        });
      } catch (e) {
        const msg = (e as Error).message ?? '';
        if (/No such file/i.test(msg))
          throw new CoreError(
            'NOT_FOUND',
            `${target.display}: the store's inbox ${inbox} does not exist. Run \`posture-stage agent init --store ${target.store}\` on the node first.`,
            { inbox },
          );
        if (/Permission denied/i.test(msg))
          throw new CoreError('AUTH_FAILED', `${target.display}: no permission to write ${inbox}.`, { inbox });
        throw new CoreError('TRANSFER_INTERRUPTED', `The upload to ${target.display} was cut: ${msg}.`, {
          target: target.display,
          partial: part,
        });
      }
      emit({ step: 'verify' });
      const verified = await runAgentJson(
        session,
        `${cmd} agent verify --store ${store} ${shellQuote(`.${name}.part`)} --json`,
        target.display,
      );
      if (verified.size !== size || verified.sha256 !== sha256) {
        await session.sftp.delete(part).catch(() => undefined);
        throw new CoreError(
          'REMOTE_CHECKSUM_MISMATCH',
          `The copy on ${target.display} does not match (size ${String(verified.size)} vs ${size}, SHA-256 ${String(verified.sha256)} vs ${sha256}). It was deleted; push again.`,
          { target: target.display, expected: { size, sha256 }, actual: { size: verified.size, sha256: verified.sha256 } },
        );
      }
      await session.sftp.posixRename(part, `${inbox}/${name}`);
      emit({ step: 'apply' });
      const flags = `${opts.dryRun ? ' --dry-run' : ''}${opts.allowDowngrade ? ' --allow-downgrade' : ''}`;
      const answer = await runAgentJson(session, `${cmd} agent apply --store ${store} ${shellQuote(name)}${flags} --json`, target.display);
      const { ok: _ok, ...result } = answer;
      void _ok;
      return { ...(result as unknown as ApplyResult), ...(resumedFrom !== undefined ? { resumedFrom } : {}) };
    } catch (e) {
      // a resumed part that does not verify was deleted above: one more try from the start
      const badResume = CoreError.is(e, 'REMOTE_CHECKSUM_MISMATCH') && resumedFrom !== undefined;
      if ((CoreError.is(e, 'TRANSFER_INTERRUPTED') || badResume) && attempt < retries) {
        if (badResume) resumedFrom = undefined;
        emit({ step: 'retry', attempt: attempt + 1, message: (e as Error).message });
        continue;
      }
      throw e;
    } finally {
      await session.close();
    }
  }
}
