/** Resolves a request path inside the renderer build without ever leaving it (no `..`, no absolute paths). */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { MIME } from './csp.js';

/** The renderer's files, or null when the path escapes `root` or does not exist. SPA fallback to index.html. */
export async function readRendererFile(root: string, urlPath: string): Promise<{ body: Buffer; type: string } | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const clean = normalize(rel).replace(/^([/\\])+/, '');
  if (clean.split(/[/\\]/).includes('..')) return null;
  const file = clean === '' || clean.endsWith(sep) ? join(root, 'index.html') : join(root, clean);
  if (!file.startsWith(root)) return null;
  for (const candidate of [file, ...(extname(file) === '' ? [join(root, 'index.html')] : [])]) {
    try {
      return { body: await readFile(candidate), type: MIME[extname(candidate)] ?? 'application/octet-stream' };
    } catch {
      /* try the next */
    }
  }
  return null;
}
