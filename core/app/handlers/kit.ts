/**
 * Targets → "Prepare a node…" (issue 13 §2): the node kit written to a folder (removable media) as a job with
 * progress and Cancel — the same packageAgentKit as `posture-stage agent package` — and the kit's version,
 * which the Targets screen compares with each node's agent.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HandlerTable, KitInfo, KitWritten } from '../contract.js';
import { CoreError, toCoreError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { CLONE_KIT_DIR, findSourceRoot, INSTALL_FILE, packageAgentKit, readKitManifest } from '../../kit/index.js';
import type { HandlerContext } from './context.js';

/** The kit of this installation: the one built in the developer clone the app runs from, if any. */
async function localKit(): Promise<KitInfo> {
  const root = findSourceRoot();
  if (!root)
    return {
      appVersion: VERSION,
      kit: null,
      note: 'No node kit comes with this installation: take it from a kit folder (one received on media, or written by npm run dist:agent).',
    };
  const dir = join(root, CLONE_KIT_DIR);
  try {
    const m = await readKitManifest(dir);
    return {
      appVersion: VERSION,
      kit: { version: m.version, dir, builtAt: m.builtAt, files: m.artifacts.map((a) => ({ file: a.file, size: a.size })) },
    };
  } catch {
    return {
      appVersion: VERSION,
      kit: null,
      note: `The kit is built from this installation's sources when a node is prepared (about a minute, then kept in ${dir}).`,
    };
  }
}

/** packageAgentKit's refusals name CLI flags; the form has fields. */
function inWords(e: unknown): CoreError {
  const err = toCoreError(e);
  const message = err.message
    .replace(/--out (\S+) is/g, 'The folder $1 is')
    .replace(/--out (\S+)/g, 'the folder $1')
    .replace(
      /Give the kit folder with --from DIR, or run `npm run dist:agent` in a clone\./,
      'Choose a kit folder under "Take the kit from a folder".',
    )
    .replace(/--from DIR/g, 'a kit folder');
  return message === err.message ? err : new CoreError(err.code, message, err.details);
}

export function kitHandlers(ctx: HandlerContext) {
  return {
    kitInfo: localKit,

    startKit: async ({ out, keyFile, passphrase, from }) => {
      const jobId = ctx.jobs.start('kit', async (job): Promise<KitWritten> => {
        let building = false;
        try {
          const r = await packageAgentKit({
            out,
            ...(keyFile ? { key: keyFile, ...(passphrase ? { passphrase } : {}) } : {}),
            ...(from ? { from } : {}),
            signal: job.signal,
            onProgress: (p) => {
              if (p.step === 'copy') job.progress(p.done, p.total);
              else if (p.step === 'build' && !building) {
                building = true;
                job.step({ step: 'build', state: 'running', message: p.message });
              } else if (p.step === 'sign') job.step({ step: 'sign', state: 'running', message: p.message });
            },
          });
          const install = await readFile(join(r.out, INSTALL_FILE), 'utf8');
          ctx.activity.add({
            kind: 'kit',
            what: `wrote the node kit ${r.version} to ${r.out}${r.signer ? ` (SHA256SUMS signed by ${r.signer.fingerprint})` : ''}`,
            result: 'success',
          });
          return { out: r.out, version: r.version, files: r.files, signer: r.signer, install };
        } catch (e) {
          const err = inWords(e);
          ctx.activity.add({
            kind: 'kit',
            what: `node kit to ${out}`,
            result: job.signal.aborted ? 'failed' : 'refused',
            code: err.code,
            message: err.message,
          });
          throw err;
        }
      });
      return { jobId };
    },
  } satisfies Partial<HandlerTable>;
}
