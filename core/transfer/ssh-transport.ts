/**
 * The SSH transport of the node client (interfaces.md `push … --to sftp://…`): agent calls run as
 * `CMD agent … --store DIR --json` over the connection, answers parsed like the API's; uploads go by
 * SFTP to `inbox/.<name>.part` (resumed after a cut), are verified by the node's `agent verify` (no
 * re-download) and renamed into place. The verify runs during the upload (`--follow`): the node hashes
 * each part of the file once its writes are acknowledged, so at the end only the last window is left.
 * Custody documents go to `inbox/<sha256>.custody.json` the same way; a bundle kept for ISE is read back
 * from `<store>/staged/<sha256>.zip` and hashed here.
 */
import { CoreError } from '../errors.js';
import { nodeRefusal, parseAnswer } from './answers.js';
import { calls, type AgentCall } from './calls.js';
import type { z } from 'zod';
import { openSsh, sftpCall, type CommandResult, type RemoteCommand, type SshSession } from './ssh-session.js';
import type { answers } from './answers.js';
import { cancelled } from './events.js';
import { remoteSize, resumeOffset, uploadFrom } from './sftp-upload.js';
import { displayOf, shellQuote, type SshTarget } from './target.js';
import type { CustodySent, DownloadRequest, Transport, UploadRequest, Uploaded } from './transport.js';
import type { Stats } from 'ssh2';
import { custodyFileName, type CustodyDocument } from '../custody/document.js';
import { openDestination, receiveVerified } from './download.js';
import { rm } from 'node:fs/promises';

/** The node's JSON answer to one remote command; its refusal as the node's own CoreError. */
async function runAgent(session: SshSession, command: string, node: string): Promise<unknown> {
  return answerOf(await session.exec(command), command, node);
}

function answerOf({ code, stdout, stderr }: CommandResult, command: string, node: string): unknown {
  const line = stdout.trim().split('\n').pop() ?? '';
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    if (code === 127)
      throw new CoreError(
        'NOT_FOUND',
        `The remote command was not found on ${node}: ${command.split(' agent ')[0]}. Install posture-stage on the node or give --remote-command.`,
        { command, stderr: stderr.slice(-500) },
      );
    throw new CoreError('INTERNAL', `The node's agent command gave no JSON answer (exit ${code}). ${stderr.trim().slice(-300)}`, {
      command,
      exitCode: code,
      node,
    });
  }
  const refusal = nodeRefusal(doc, node);
  if (refusal) throw refusal;
  return doc;
}

/** Opens the SSH connection (host key, login, SFTP) and returns the transport over it. */
export async function openSshTransport(target: SshTarget, signal?: AbortSignal): Promise<Transport> {
  const display = displayOf(target);
  const session = await openSsh(target, signal);
  const cmd = target.remoteCommand ?? 'posture-stage';
  const store = target.store.replace(/\/+$/, '');
  const inbox = `${store}/inbox`;

  const commandFor = (c: AgentCall<unknown>, extra: string[] = []): string =>
    `${cmd} agent ${[...c.cli, ...extra, '--store', store].map(shellQuote).join(' ')} --json`;

  async function call<T>(c: AgentCall<T>, callSignal?: AbortSignal): Promise<T> {
    if (callSignal?.aborted) throw cancelled();
    const stop = () => session.ssh.destroy();
    callSignal?.addEventListener('abort', stop, { once: true });
    try {
      const doc = await runAgent(session, commandFor(c), display);
      return parseAnswer(c.cliSchema ?? c.schema, doc, c.what, display);
    } catch (e) {
      throw callSignal?.aborted ? cancelled() : e;
    } finally {
      callSignal?.removeEventListener('abort', stop);
    }
  }

  async function upload(req: UploadRequest): Promise<Uploaded> {
    if (req.signal?.aborted) throw cancelled();
    const part = `${inbox}/.${req.name}.part`;
    const offset = resumeOffset(await remoteSize(session, part), req.size);
    const started = Date.now();
    req.onProgress?.(offset, req.size, 0);
    const stop = () => session.ssh.destroy();
    req.signal?.addEventListener('abort', stop, { once: true });
    const verify = calls.verify(`.${req.name}.part`);
    const following = commandFor(verify, ['--follow']);
    const follower: { cmd: RemoteCommand | null } = { cmd: null };
    try {
      await uploadFrom(
        session,
        req.file,
        part,
        offset,
        req.size,
        (done) => {
          const seconds = Math.max((Date.now() - started) / 1000, 0.001);
          req.onProgress?.(done, req.size, (done - offset) / seconds);
        },
        {
          onOpen: () => (follower.cmd = session.start(following)),
          onFinal: (end) => follower.cmd?.write(`${end}\n`),
        },
      );
    } catch (e) {
      follower.cmd?.end();
      if (req.signal?.aborted) throw cancelled();
      const msg = (e as Error).message ?? '';
      if (/No such file/i.test(msg))
        throw new CoreError(
          'NOT_FOUND',
          `${display}: the store's inbox ${inbox} does not exist. Run \`posture-stage agent init --store ${target.store}\` on the node first.`,
          { inbox },
        );
      if (/Permission denied/i.test(msg)) throw new CoreError('AUTH_FAILED', `${display}: no permission to write ${inbox}.`, { inbox });
      throw new CoreError('TRANSFER_INTERRUPTED', `The upload to ${display} was cut: ${msg}.`, { target: display, partial: part });
    } finally {
      req.signal?.removeEventListener('abort', stop);
    }
    req.onVerify?.();
    const verified = await followed(follower.cmd, following, verify, req.signal);
    if (verified.size !== req.size || verified.sha256 !== req.sha256) {
      await Promise.race([session.client.delete(part, true), session.lost]).catch(() => undefined);
      throw new CoreError(
        'REMOTE_CHECKSUM_MISMATCH',
        `The copy on ${display} does not match (size ${verified.size} vs ${req.size}, SHA-256 ${verified.sha256} vs ${req.sha256}). It was deleted; push again.`,
        {
          target: display,
          expected: { size: req.size, sha256: req.sha256 },
          actual: { size: verified.size, sha256: verified.sha256 },
          ...(offset > 0 ? { resumedFrom: offset } : {}),
        },
      );
    }
    await Promise.race([session.client.posixRename(part, `${inbox}/${req.name}`), session.lost]);
    return { file: req.name, size: verified.size, sha256: verified.sha256, ...(offset > 0 ? { resumedFrom: offset } : {}) };
  }

  /** The answer of the verify that followed the upload; a node whose agent has no --follow is asked again, plainly. */
  async function followed(
    follower: RemoteCommand | null,
    command: string,
    verify: AgentCall<z.infer<typeof answers.verification>>,
    signal?: AbortSignal,
  ): Promise<z.infer<typeof answers.verification>> {
    if (follower === null) return call(verify, signal);
    follower.end();
    try {
      return parseAnswer(verify.cliSchema ?? verify.schema, answerOf(await follower.done, command, display), verify.what, display);
    } catch (e) {
      if (CoreError.is(e, 'USAGE')) return call(verify, signal);
      throw e;
    }
  }

  /** SFTP read of `<store>/staged/<sha256>.zip`, streamed into the file and verified (download.ts). */
  async function download(d: DownloadRequest): Promise<{ sha256: string; size: number }> {
    if (d.signal?.aborted) throw cancelled();
    const out = await openDestination(d.to);
    const remote = `${store}/staged/${d.sha256}.zip`;
    const st = await sftpCall<Stats>(session, (cb) => session.sftp.stat(remote, cb)).catch(() => null);
    if (!st) {
      await out.close();
      await rm(d.to, { force: true });
      throw new CoreError(
        'NOT_FOUND',
        `${display} keeps no bundle ${d.sha256} for ISE (${remote} is missing). List them with \`agent staged\`.`,
        {
          sha256: d.sha256,
          node: display,
        },
      );
    }
    const stop = () => session.ssh.destroy();
    d.signal?.addEventListener('abort', stop, { once: true });
    try {
      const body = session.sftp.createReadStream(remote);
      // a lost connection leaves the SFTP read waiting forever: fail the stream with it
      session.lost.catch((e: Error) => body.destroy(e));
      return await receiveVerified(body, d, display, out);
    } finally {
      d.signal?.removeEventListener('abort', stop);
    }
  }

  /** The custody document into `inbox/<sha256>.custody.json` under a temporary name, then renamed (as the bundle). */
  async function putCustody(sha256: string, document: CustodyDocument, signal?: AbortSignal): Promise<CustodySent> {
    if (signal?.aborted) throw cancelled();
    const name = custodyFileName(sha256);
    // the agent removes `.<sha256>.custody.json.tmp-*` leftovers when it starts
    const part = `${inbox}/.${name}.tmp-upload`;
    try {
      await sftpCall<void>(session, (cb) =>
        session.sftp.writeFile(part, JSON.stringify(document), { mode: 0o600 }, (err) => cb(err, undefined)),
      );
      await sftpCall<void>(session, (cb) => session.sftp.ext_openssh_rename(part, `${inbox}/${name}`, (err) => cb(err, undefined)));
    } catch (e) {
      const msg = (e as Error).message ?? '';
      if (/No such file/i.test(msg))
        throw new CoreError(
          'NOT_FOUND',
          `${display}: the store's inbox ${inbox} does not exist. Run \`posture-stage agent init\` on the node first.`,
          {
            inbox,
          },
        );
      if (/Permission denied/i.test(msg)) throw new CoreError('AUTH_FAILED', `${display}: no permission to write ${inbox}.`, { inbox });
      throw new CoreError('TRANSFER_INTERRUPTED', `Sending the custody document to ${display} was cut: ${msg}.`, { target: display });
    }
    // the node verifies the signature when it applies or stages the bundle
    return { sha256, signer: null };
  }

  return { display, call, upload, download, putCustody, close: () => session.close() };
}
