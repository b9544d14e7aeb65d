/**
 * Entry names (bundle-format.md "Reference layout": names are UTF-8, relative, no `..`, no leading `/`
 * or `\`, no drive letters, no NUL, no backslashes). We also refuse what only some tools normalise
 * away (`.` or empty segments, a Unicode Path extra field naming something else), because a name must
 * mean the same file to every reader; what a person cannot read as it is (C0 and C1 control
 * characters, bidirectional overrides and isolates U+202A–202E, U+2066–2069, which make "evil\u202Etxt.exe"
 * show as "evilexe.txt"); segments ending in a dot or a space, which Windows strips (so "a." and "a"
 * would meet on disk); and names that collide once case, Unicode form or the file/directory
 * distinction is ignored (DUPLICATE_ENTRY). nameProblem is shared with nested tar members (tar.ts).
 */
import { duplicate, unsafePath } from './fail.js';
import { UNICODE_PATH_ID, type ExtraFields } from './extra.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes a raw name as UTF-8 (whatever the language-encoding flag says), refusing anything else. */
export function decodeName(raw: Uint8Array): string {
  try {
    return utf8.decode(raw);
  } catch {
    const shown = Buffer.from(raw).toString('latin1');
    throw unsafePath(shown, 'not valid UTF-8', { rawHex: Buffer.from(raw).toString('hex') });
  }
}

const C1 = /[\u0080-\u009f]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * What makes a name unreadable or ambiguous beyond the path rules (C1 controls, bidi overrides, a
 * segment ending in a dot or space), or null. For zip entries and nested tar members alike.
 */
export function nameProblem(name: string): string | null {
  if (C1.test(name)) return 'contains a C1 control character';
  const bidi = BIDI.exec(name);
  if (bidi) return `contains a bidirectional override (U+${(bidi[0].codePointAt(0) as number).toString(16).toUpperCase()})`;
  for (const segment of name.replace(/\/$/, '').split('/'))
    if (/[. ]$/.test(segment) && segment !== '.' && segment !== '..')
      return `a path segment ends in a ${segment.endsWith('.') ? 'dot' : 'space'} (Windows drops it, so two names could meet)`;
  return null;
}

/** Throws ZIP_UNSAFE_PATH unless the name is a plain relative path; `isDir` allows one trailing slash. */
export function checkName(name: string, isDir: boolean): void {
  if (name.length === 0) throw unsafePath(name, 'empty name');
  if (name.includes('\0')) throw unsafePath(name, 'contains a NUL character');
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(name)) throw unsafePath(name, 'contains a control character');
  if (name.includes('\\')) throw unsafePath(name, 'contains a backslash');
  if (name.startsWith('/')) throw unsafePath(name, 'absolute path (leading /)');
  if (/^[A-Za-z]:/.test(name)) throw unsafePath(name, 'drive letter');
  const body = isDir && name.endsWith('/') ? name.slice(0, -1) : name;
  if (body.length === 0) throw unsafePath(name, 'empty name');
  for (const segment of body.split('/')) {
    if (segment === '..') throw unsafePath(name, 'parent directory segment (..)');
    if (segment === '.') throw unsafePath(name, 'current directory segment (.)');
    if (segment === '') throw unsafePath(name, 'empty path segment (//)');
  }
  const problem = nameProblem(body);
  if (problem) throw unsafePath(name, problem);
}

/** A Unicode Path extra field (APPNOTE 4.6.9) that names another file makes the entry ambiguous. */
export function checkUnicodePathField(name: string, fields: ExtraFields): void {
  const field = fields.get(UNICODE_PATH_ID);
  if (field === undefined || field.length < 5) return;
  let other: string;
  try {
    other = utf8.decode(field.subarray(5));
  } catch {
    throw unsafePath(name, 'Unicode Path extra field is not valid UTF-8');
  }
  if (other !== name) throw unsafePath(name, 'a Unicode Path extra field names a different file', { otherName: other });
}

/** The comparison key: no trailing slash, NFC, lower case (Windows and macOS would merge these). */
const keyOf = (name: string): string => name.replace(/\/$/, '').normalize('NFC').toLowerCase();

/** Throws DUPLICATE_ENTRY for two entries naming the same file or a file that is also a directory. */
export function checkDuplicates(entries: ReadonlyArray<{ name: string; isDir: boolean }>): void {
  const seen = new Map<string, { name: string; isDir: boolean }>();
  for (const e of entries) {
    const key = keyOf(e.name);
    const prior = seen.get(key);
    if (prior !== undefined) {
      const reason =
        prior.name === e.name
          ? 'same name'
          : prior.isDir !== e.isDir
            ? 'a file and a directory of the same name'
            : 'same name once case and Unicode form are ignored';
      throw duplicate(e.name, prior.name, reason);
    }
    seen.set(key, e);
  }
  // A file may not also be the parent folder of other entries ("a" and "a/b").
  for (const e of entries) {
    const parts = keyOf(e.name).split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = seen.get(parts.slice(0, i).join('/'));
      if (parent !== undefined && !parent.isDir) throw duplicate(parent.name, e.name, 'a file that is also the folder of another entry');
    }
  }
}
