/**
 * Hashes used across the product: a file's streamed SHA-256, and the OpenSSH-style fingerprint
 * "SHA256:<base64, no padding>" that `ssh-keygen -l` prints for keys and `agent init` prints for the
 * node's certificate (interfaces.md), so admins compare one form everywhere.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Streams a file's SHA-256 (hex) and size; never holds the file in memory. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** "SHA256:<base64, no padding>" of a key blob or a certificate's DER. */
export function opensshFingerprint(bytes: Uint8Array): string {
  return 'SHA256:' + createHash('sha256').update(bytes).digest('base64').replace(/=+$/, '');
}
