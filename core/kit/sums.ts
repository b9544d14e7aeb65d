/**
 * `SHA256SUMS` in the format of GNU `sha256sum` ("<hex>  <name>" per line), so the node's admin checks
 * the kit with `sha256sum -c SHA256SUMS` and no tool of ours; its SSHSIG signature (`SHA256SUMS.sig`)
 * is made by the same code as the transfer manifests (../library/sshsig.ts), under its own namespace.
 */
export const SUMS_FILE = 'SHA256SUMS';
export const SUMS_SIGNATURE = 'SHA256SUMS.sig';
/** SSHSIG namespace of a kit's SHA256SUMS: `ssh-keygen -Y verify -n posture-stage-kit`. */
export const KIT_SIG_NAMESPACE = 'posture-stage-kit';

export interface SumEntry {
  file: string;
  sha256: string;
}

/** The SHA256SUMS text, sorted by file name. */
export function formatSums(entries: SumEntry[]): string {
  return [...entries]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((e) => `${e.sha256}  ${e.file}\n`)
    .join('');
}

/** Parses SHA256SUMS lines (text or binary mode marker); lines that do not match are skipped. */
export function parseSums(text: string): SumEntry[] {
  const out: SumEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *]([A-Za-z0-9][A-Za-z0-9._+-]{0,199})$/.exec(line);
    if (m) out.push({ sha256: m[1]!, file: m[2]! });
  }
  return out;
}
