/**
 * Custody the node enforces (issue 8 §5; interfaces.md `agent signers`): a node with at least one trusted
 * signer applies only a bundle that arrives with a transfer manifest signed (SSHSIG) by one of them. The
 * document and both transports are described in ../custody/document.ts; here the node finds the document
 * for the bundle it is about to apply, in this order:
 *   1. `--custody FILE` (CLI): a custody document, or a `.transfer.json` with its `.sig` beside it;
 *   2. `inbox/<sha256>.custody.json` (uploaded over SFTP, or by `PUT /api/v1/custody/<sha256>`);
 *   3. the `.transfer.json` + `.sig` that `library export` wrote beside the bundle file (applying from media).
 * It is checked before the bundle is parsed (an unsigned bundle's bytes are never interpreted): signature
 * by a trusted key, manifest's bundle SHA-256 and size = the bundle's, and replay: a manifest signed
 * (`exportedAt`) before the newest one this node accepted is refused unless allowReplay. The newest
 * accepted manifest is remembered in custody.json; history records signer name and key fingerprint.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { CoreError } from '../errors.js';
import { isPermissionError, permissionDenied } from '../file-errors.js';
import { writeFileAtomic } from '../durable.js';
import { hashFile } from '../hash.js';
import { custodyBundle, custodyDocumentFor, parseCustodyDocument, verifyCustody, type CustodyDocument } from '../custody/document.js';
import { MANIFEST_SUFFIX } from '../custody/manifest-files.js';
import { storePaths } from './paths.js';
import { readStoreFile } from './store-file.js';
import { trustedKeys, type TrustedSigner } from './signers.js';

/** What history records for a bundle applied under custody. */
interface CustodyRecord {
  /** the trusted key's comment (e.g. "alice@workstation"), else its fingerprint */
  signer: string;
  fingerprint: string;
  /** the manifest's signed export time */
  signedAt: string;
}

/** A verified custody check, to be accepted once the apply succeeded. */
export interface CustodyCheck {
  record: CustodyRecord;
  sha256: string;
  size: number;
  /** the inbox document to remove with the applied bundle (null when it came from elsewhere) */
  inboxDocument: string | null;
}

const HEX64 = /^[0-9a-f]{64}$/;
const MAX_DOCUMENT = 1024 * 1024;

const markSchema = z.strictObject({
  format: z.literal(1),
  newest: z.strictObject({ signedAt: z.string(), fingerprint: z.string(), sha256: z.string().regex(HEX64), acceptedAt: z.string() }),
});

async function readDocumentFile(file: string): Promise<CustodyDocument> {
  if (file.endsWith(MANIFEST_SUFFIX)) return (await custodyDocumentFor(file)).document;
  const st = await stat(file).catch((e: unknown) => {
    if (isPermissionError(e)) throw permissionDenied(file, 'The custody document', 'read', e);
    return null;
  });
  if (!st?.isFile()) throw new CoreError('NOT_FOUND', `The custody document ${file} does not exist.`, { file });
  if (st.size > MAX_DOCUMENT)
    throw new CoreError('SIGNATURE_INVALID', `The custody document ${file} is larger than ${MAX_DOCUMENT} bytes; it is not one.`, { file });
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if (isPermissionError(e)) throw permissionDenied(file, 'The custody document', 'read', e);
    json = null;
  }
  return parseCustodyDocument(json);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function findDocument(
  store: string,
  file: string,
  sha256: string,
  explicit?: string,
): Promise<{ doc: CustodyDocument; inbox: string | null } | null> {
  if (explicit) return { doc: await readDocumentFile(explicit), inbox: null };
  const inInbox = storePaths(store).custodyDoc(sha256);
  if (await exists(inInbox)) return { doc: await readDocumentFile(inInbox), inbox: inInbox };
  const beside = join(dirname(file), basename(file).replace(/\.zip$/i, '') + MANIFEST_SUFFIX);
  if (beside !== file && (await exists(beside)) && (await exists(`${beside}.sig`)))
    return { doc: await readDocumentFile(beside), inbox: null };
  return null;
}

/** The newest signed manifest this node accepted, or null. */
export async function readCustodyMark(store: string): Promise<z.infer<typeof markSchema>['newest'] | null> {
  return (await readStoreFile(store, storePaths(store).custodyMark, markSchema))?.newest ?? null;
}

function signerName(signers: TrustedSigner[], fingerprint: string): string {
  return signers.find((s) => s.fingerprint === fingerprint)?.comment || fingerprint;
}

/**
 * The custody check of `file` before it is applied: null on a node without trusted signers (no custody
 * required), else the verified record; throws CUSTODY_REQUIRED, SIGNATURE_INVALID or REPLAYED_MANIFEST.
 */
export async function checkCustody(
  store: string,
  file: string,
  opts: { custody?: string; allowReplay?: boolean } = {},
): Promise<CustodyCheck | null> {
  const { signers, keys } = await trustedKeys(store);
  if (signers.length === 0) return null;
  const { sha256, size } = await hashFile(file);
  const found = await findDocument(store, file, sha256, opts.custody);
  if (!found)
    throw new CoreError(
      'CUSTODY_REQUIRED',
      `This node applies only bundles that arrive with a transfer manifest signed by a trusted signer, and bundle ${sha256} came without one; nothing was applied. Export it with \`library export --key\` and send the manifest with it: over HTTPS \`PUT /api/v1/custody/${sha256}\`, over SFTP \`inbox/${sha256}.custody.json\`, or \`agent apply --custody FILE.transfer.json\`.`,
      { sha256, signers: signers.map((s) => s.fingerprint) },
    );
  let verified;
  try {
    verified = verifyCustody(found.doc, keys, { sha256, size });
  } catch (e) {
    if (CoreError.is(e, 'SIGNATURE_INVALID'))
      throw new CoreError('SIGNATURE_INVALID', `Custody refused for bundle ${sha256}; nothing was applied. ${e.message}`, {
        sha256,
        ...e.details,
        signers: signers.map((s) => s.fingerprint),
      });
    throw e;
  }
  const mark = await readCustodyMark(store);
  if (mark && Date.parse(verified.signedAt) < Date.parse(mark.signedAt) && !opts.allowReplay)
    throw new CoreError(
      'REPLAYED_MANIFEST',
      `The transfer manifest of bundle ${sha256} was signed at ${verified.signedAt}, before the newest one this node accepted (${mark.signedAt}, bundle ${mark.sha256}): an old signed bundle sent again is refused; nothing was applied. Export the bundle again to sign it anew, or pass --allow-replay (API: allowReplay) if you really mean to apply it.`,
      { sha256, signedAt: verified.signedAt, newestAccepted: mark },
    );
  return {
    record: { signer: signerName(signers, verified.fingerprint), fingerprint: verified.fingerprint, signedAt: verified.signedAt },
    sha256,
    size,
    inboxDocument: found.inbox,
  };
}

/** After a successful apply (under the apply lock): remember the newest accepted manifest; drop the inbox document. */
export async function acceptCustody(store: string, check: CustodyCheck): Promise<void> {
  const mark = await readCustodyMark(store);
  if (!mark || Date.parse(check.record.signedAt) > Date.parse(mark.signedAt)) {
    const newest = {
      signedAt: check.record.signedAt,
      fingerprint: check.record.fingerprint,
      sha256: check.sha256,
      acceptedAt: new Date().toISOString(),
    };
    await writeFileAtomic(storePaths(store).custodyMark, JSON.stringify({ format: 1, newest }, null, 2) + '\n');
  }
  if (check.inboxDocument) await rm(check.inboxDocument, { force: true }).catch(() => undefined);
}

/**
 * `PUT /api/v1/custody/{sha256}`: stores the document as inbox/<sha256>.custody.json. It must name that
 * bundle; on a node with trusted signers its signature is verified now, so a bad one is refused before
 * the bundle is even sent (it is verified again, with the bundle's size, at apply).
 */
export async function saveCustodyDocument(
  store: string,
  sha256: string,
  body: unknown,
): Promise<{ sha256: string; signer: { fingerprint: string; comment: string } | null }> {
  if (!HEX64.test(sha256)) throw new CoreError('USAGE', `"${sha256}" is not a bundle SHA-256 (64 lowercase hex digits).`, { sha256 });
  const doc = parseCustodyDocument(body);
  const { signers, keys } = await trustedKeys(store);
  let signer: { fingerprint: string; comment: string } | null = null;
  if (signers.length > 0) {
    const v = verifyCustody(doc, keys, { sha256 });
    signer = { fingerprint: v.fingerprint, comment: signerName(signers, v.fingerprint) };
  } else {
    // nothing to verify against, but a document for another bundle is still a mistake worth saying
    const named = custodyBundle(doc).sha256;
    if (named !== sha256)
      throw new CoreError('SIGNATURE_INVALID', `The custody document's manifest names bundle ${named}, not ${sha256}.`, {
        sha256,
        manifest: named,
      });
  }
  await writeFileAtomic(storePaths(store).custodyDoc(sha256), JSON.stringify(doc) + '\n');
  return { sha256, signer };
}
