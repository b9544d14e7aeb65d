/**
 * Strings from a bundle — entry, product, vendor and condition names, versions, errors that quote them —
 * are data, never terminal commands (issue 8 §3: printing any name from a bundle escapes control
 * characters). A name holding ESC could recolour, retitle or rewrite the screen (ANSI/OSC sequences), a
 * C1 character can be a one-byte CSI, a bidi override makes "exe.txt" read as "txt.exe", and a line break
 * could forge a line of output. Each such character is shown as a visible escape: `\x1b`, `\u202e`.
 */

/**
 * Whether a terminal would act on this character: C0, DEL, C1, the bidi controls (ALM, LRM, RLM,
 * U+202A–202E, U+2066–2069) and the Unicode line/paragraph separators.
 */
export function isTerminalControl(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

/** Replaces each character `unsafe` picks with `as(code)`; returns `s` itself when there is none. */
function replaceEach(s: string, unsafe: (code: number) => boolean, as: (code: number) => string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (!unsafe(code)) continue;
    out += s.slice(from, i) + as(code);
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

const visible = (code: number) => (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);

/** One string (a name, a version, a message) made safe to print: every control character becomes a visible escape. */
export function escapeForTerminal(s: string): string {
  return replaceEach(s, isTerminalControl, visible);
}

/** A whole human text: like escapeForTerminal, but keeps its line breaks (the net under every formatter). */
export function escapeText(s: string): string {
  return replaceEach(s, (code) => code !== 0x0a && isTerminalControl(code), visible);
}

/** A value with every string inside (object keys too) passed through escapeForTerminal; for a formatter's input. */
export function escapeDeep<T>(value: T): T {
  if (typeof value === 'string') return escapeForTerminal(value) as T;
  if (Array.isArray(value)) return value.map((v) => escapeDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[escapeForTerminal(k)] = escapeDeep(v);
    return out as T;
  }
  return value;
}

/**
 * `--json` output: exact JSON (JSON.parse gives back the very same strings), with DEL, C1, the bidi
 * controls and U+2028/2029 written as `\u` escapes too, so that printing the document is harmless.
 */
export function jsonForTerminal(value: unknown): string {
  // JSON.stringify already wrote every C0 character as an escape; what is left only occurs inside strings
  const json = JSON.stringify(value);
  // the usual document has none: one native scan instead of a loop over every character (inspect of a large bundle prints megabytes)
  return ANY_TERMINAL_CONTROL.test(json) ? replaceEach(json, isTerminalControl, (code) => `\\u${hex(code, 4)}`) : json;
}

/** The characters isTerminalControl picks that JSON.stringify leaves as they are (it escapes every C0 character). */
const ANY_TERMINAL_CONTROL = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
