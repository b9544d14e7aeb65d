/**
 * The worker side of checkIsolated (./isolated.ts): runs the whole bundle check off the caller's event
 * loop and posts back the inspection and contents (plain data), progress, or the refusal as JSON.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toCoreError } from '../errors.js';
import { checkBundle } from './check.js';
import { descriptorFile } from './zip/file-reader.js';
import type { IsolatedRequest, IsolatedReply } from './isolated.js';

const port = parentPort;
if (port) {
  const req = workerData as IsolatedRequest;
  const post = (m: IsolatedReply): void => port.postMessage(m);
  checkBundle(descriptorFile(req.fd), {
    fileName: req.fileName,
    requireReference: req.requireReference,
    ...(req.limits ? { limits: req.limits } : {}),
    ...(req.payloadDir !== undefined ? { payloadDir: req.payloadDir } : {}),
    onProgress: (progress) => post({ type: 'progress', progress }),
  }).then(
    (checked) => post({ type: 'done', inspection: checked.inspection, contents: [...checked.contents] }),
    (e: unknown) => post({ type: 'error', error: toCoreError(e).toJSON() }),
  );
}
