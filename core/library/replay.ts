/**
 * The replay guard of `library import` (issue 8 §5). A transfer manifest carries the time it was signed
 * (`exportedAt`, covered by the signature). Per signer key, the library remembers the newest signing time
 * it accepted; a manifest signed earlier than that is refused (REPLAYED_MANIFEST) unless the admin allows
 * it: an old, validly signed bundle carried in again could quietly roll content back.
 * Kept in `<home>/accepted-manifests.json`, replaced durably (core/durable.ts); it only ever moves forward.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CoreError, toCoreError } from '../errors.js';
import { fileError } from '../file-errors.js';
import { writeFileAtomic } from '../durable.js';

const FILE = 'accepted-manifests.json';

const Accepted = z.object({
  format: z.literal('posture-stage-accepted/1'),
  signers: z.record(
    z.string().max(200),
    z.object({ exportedAt: z.string().max(64), sha256: z.string().regex(/^[0-9a-f]{64}$/), acceptedAt: z.string().max(64) }),
  ),
});
type Accepted = z.infer<typeof Accepted>;

/** The newest accepted manifest per signer ("SHA256:…" key fingerprint); empty when nothing was imported yet. */
async function readAccepted(home: string): Promise<Accepted['signers']> {
  let text: string;
  try {
    text = await readFile(join(home, FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw fileError(e, join(home, FILE), "The library's record of accepted manifests", () => toCoreError(e));
  }
  let parsed: Accepted;
  try {
    parsed = Accepted.parse(JSON.parse(text));
  } catch {
    // fail closed: without the record, no import could be told from a replay
    throw new CoreError(
      'STORE_CORRUPT',
      `The library's record of accepted transfer manifests (${join(home, FILE)}) is unreadable, so a replayed manifest could not be recognised. Restore it from a backup, or delete it to start the record afresh.`,
      { file: join(home, FILE) },
    );
  }
  return parsed.signers;
}

/**
 * REPLAYED_MANIFEST when `exportedAt` is older than the newest manifest accepted from `signer`, unless
 * `allowReplay`. A manifest signed at the same instant (the same one imported again) passes.
 */
export async function refuseReplay(
  home: string,
  manifest: { signer: string; exportedAt: string; sha256: string },
  allowReplay: boolean,
): Promise<void> {
  const newest = (await readAccepted(home))[manifest.signer];
  if (!newest || allowReplay || Date.parse(manifest.exportedAt) >= Date.parse(newest.exportedAt)) return;
  throw new CoreError(
    'REPLAYED_MANIFEST',
    `This transfer manifest was signed at ${manifest.exportedAt} by ${manifest.signer}, but this library already accepted a newer one from that key (signed at ${newest.exportedAt}, bundle ${newest.sha256.slice(0, 12)}). An older manifest arriving later may be a replay meant to roll content back; nothing was imported. If you do mean to bring in this older bundle, import it again with --allow-replay.`,
    { signer: manifest.signer, exportedAt: manifest.exportedAt, sha256: manifest.sha256, newest },
  );
}

/** Records an accepted manifest if it is the newest from its signer (never moves the record back). */
export async function recordAccepted(home: string, manifest: { signer: string; exportedAt: string; sha256: string }): Promise<void> {
  const signers = await readAccepted(home);
  const newest = signers[manifest.signer];
  if (newest && Date.parse(newest.exportedAt) >= Date.parse(manifest.exportedAt)) return;
  signers[manifest.signer] = { exportedAt: manifest.exportedAt, sha256: manifest.sha256, acceptedAt: new Date().toISOString() };
  await mkdir(home, { recursive: true });
  await writeFileAtomic(
    join(home, FILE),
    JSON.stringify({ format: 'posture-stage-accepted/1', signers } satisfies Accepted, null, 2) + '\n',
  );
}
