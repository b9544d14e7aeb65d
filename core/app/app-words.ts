/**
 * Errors in the app's own words (issue 12 §3), in one place: what the core says for the CLI and the node's
 * API ("pass --allow-downgrade", "send `Authorization: Bearer`") becomes what the app offers ("tick *Allow
 * downgrade*", "the node refused the token"); a sentence that still names a flag or a header gives way to
 * the app's next step for the error's code. Outside the update feed, the feed's internet text (ISE's
 * "Remote Address is not accessible…", the ports to the internet, cisco.com's root) never appears.
 * Applied where answers leave the app layer (dispatch.ts, job events); the next steps are keyed by code
 * so they can join the error catalogue.
 */
import { isErrorCode, type ErrorCode, type ErrorJSON } from '../errors.js';
import { FEED_ADVICE } from '../feed/index.js';

/** Known advice in the CLI's or the API's words → the app's. `$1`… refer to the pattern's groups. */
const PHRASES: ReadonlyArray<readonly [RegExp, string]> = [
  [/pass --allow-downgrade if you really mean to go back/g, 'tick “Allow downgrade” if you really mean to go back'],
  [/refused as a downgrade unless --allow-downgrade is given/g, 'refused as a downgrade unless you tick “Allow downgrade”'],
  [
    /A valid API token is required: send `Authorization: Bearer <token>` with the token from the node store's token file \(or one made with `agent token add NAME`\)\./g,
    "The node refused the token. Edit the target and paste the node's token: the token file in its store, or a new one made on the node with `posture-stage agent token add NAME`.",
  ],
  [
    /Check the user name in the target, the key \(--identity, with its passphrase\) or the password \(--password-env\)\./g,
    "Check the target's user name, private key (and its passphrase) or password (Targets → Edit).",
  ],
  [
    /Give the right passphrase \(POSTURE_STAGE_KEY_PASSPHRASE or the prompt\)\./g,
    "Give the key's passphrase in the target (Targets → Edit).",
  ],
  [/give --identity KEY or --password-env VAR\./g, 'give the target a private key or a password (Targets → Edit).'],
  [/or give --remote-command\./g, "or set the target's remote command (Targets → Edit)."],
  [/then pass --host-key (SHA256:\S+) or add it to known_hosts\./g, 'then confirm $1 when you add the target.'],
  [
    /For a node agent, pin its certificate with --fingerprint \(printed by `agent init`\), or give the CA that issued it with --ca FILE\./g,
    "Pin the node's certificate: confirm the fingerprint `agent init` printed on the node when you add the target.",
  ],
  [
    /If the node's certificate was renewed, read the new one on the node \(`posture-stage agent init --store DIR` prints it\)\./g,
    "If the node's certificate was renewed, compare the new fingerprint with the one `posture-stage agent init` prints on the node, then pin it again (Targets).",
  ],
  [/Pin it with --fingerprint (SHA256:\S+) after checking it on the node\./g, 'Pin it ($1) after checking it on the node.'],
  [
    /Export it with `library export --key` and send the manifest with it: over HTTPS `PUT [^`]+`, over SFTP `[^`]+`, or `agent apply --custody FILE\.transfer\.json`\./g,
    'Export it with your signing key (Library → Removable media) and import it from there: the app then sends its signed transfer manifest first.',
  ],
  [/, or pass --allow-replay \(API: allowReplay\) if you really mean to apply it\./g, '.'],
  [
    /If you do mean to bring in this older bundle, import it again with --allow-replay\./g,
    'If you do mean to bring in this older bundle, have it exported again on the other side, so it is signed anew.',
  ],
  [/Give --trusted-key FILE \(/g, "Give the trusted signer's key file ("],
  [
    /Give the user in the proxy URL \(http:\/\/user@host:port\) and the password with --proxy-password-env VAR, or when asked\./g,
    "Give the proxy's user name and password in Settings.",
  ],
  [/which you must supply with --ca FILE\./g, 'which you must add in Settings (Extra CA certificates).'],
  [/Give the CA that issued it with --ca FILE\./g, 'Add the CA that issued it in Settings (Extra CA certificates).'],
  [/Choose another --out\./g, 'Choose another folder.'],
  [/Choose an empty folder for --out,/g, 'Choose an empty folder,'],
  [/: give --ise-log\./g, ': add ise-psc.log.'],
];

/** The app's next step per code, for a message whose own advice named a flag or a header. */
const NEXT_STEP: Partial<Record<ErrorCode, string>> = {
  DOWNGRADE_REFUSED: 'Use a newer bundle, or tick “Allow downgrade” if you really mean to go back.',
  UNAUTHORIZED: "The node refused the token. Edit the target and paste the node's token.",
  AUTH_FAILED: "Check the target's credentials (Targets → Edit).",
  TLS_UNTRUSTED: "Confirm the node's certificate fingerprint with its admin and pin it (Targets).",
  FINGERPRINT_MISMATCH: "Nothing was sent. Confirm the node's new certificate fingerprint with its admin before pinning it (Targets).",
  HOST_KEY_UNKNOWN: "Nothing was sent. Confirm the node's SSH host key with its admin when you add the target.",
  HOST_KEY_MISMATCH: "Nothing was sent. Confirm the node's SSH host key with its admin before pinning the new one (Targets).",
  CUSTODY_REQUIRED: 'Import the bundle from removable media with its signed transfer manifest, then push that copy.',
  REPLAYED_MANIFEST: 'Have the bundle exported again, so it is signed anew.',
  SIGNATURE_INVALID: 'Export the bundle again with your signing key.',
  UNREACHABLE: 'Check the address, the network path and any proxy, then try again.',
  USAGE: 'Correct the field and try again.',
};

/** A sentence that tells the user to pass a CLI flag or send an HTTP header. */
const CLI_OR_API = /(?:^|[\s(`"'])--[a-z][a-z-]*|Authorization:|\bBearer\b|POSTURE_STAGE_[A-Z_]+/;

/** The feed's internet text: ISE's troubleshooting line, the ports to the internet, cisco.com's root. */
const FEED_ONLY = [FEED_ADVICE.unreachable, FEED_ADVICE.hint, FEED_ADVICE.untrustedChain, FEED_ADVICE.clock].filter((t): t is string =>
  Boolean(t),
);

export interface WordsOptions {
  /** the text is about the update feed (its internet advice stays) */
  feed?: boolean;
}

/** One message in the app's words (`code`: the error it belongs to, for the next step). */
export function appText(message: string, code?: string, opts: WordsOptions = {}): string {
  let text = message;
  if (!opts.feed) {
    for (const t of FEED_ONLY) text = text.replaceAll(t, '');
    text = text
      .split(/(?<=[.!?])\s+/)
      .filter((s) => !/cisco\.com|UDP 123|to the internet/i.test(s))
      .join(' ');
  }
  for (const [find, say] of PHRASES) text = text.replace(find, say);
  const sentences = text.split(/(?<=[.!?])\s+/);
  const kept = sentences.filter((s) => !CLI_OR_API.test(s));
  if (kept.length < sentences.length) {
    const next = (code && isErrorCode(code) ? NEXT_STEP[code] : undefined) ?? '';
    if (next && !kept.includes(next)) kept.push(next);
    text = kept.join(' ');
  }
  return text.replace(/\s{2,}/g, ' ').trim();
}

/** An error in the app's words: its message reworded, the feed's internet hint dropped outside the feed. */
export function appError(e: ErrorJSON, opts: WordsOptions = {}): ErrorJSON {
  const message = appText(e.message, e.code, opts);
  let details = e.details;
  if (details && !opts.feed && typeof details.hint === 'string' && FEED_ONLY.includes(details.hint)) {
    const { hint: _hint, ...rest } = details;
    details = rest;
  }
  if (message === e.message && details === e.details) return e;
  return { ...e, message, ...(details ? { details } : {}) };
}

/** Whether a value is an error or warning as the core serialises them ({code, message, details?}). */
function isCoded(v: Record<string, unknown>): v is Record<string, unknown> & ErrorJSON {
  return typeof v.code === 'string' && /^[A-Z][A-Z_]+$/.test(v.code) && typeof v.message === 'string';
}

/**
 * Every error or warning inside an answer, in the app's words (a copy where something changed; the same
 * value otherwise). Other text — names from a bundle, a node's log — is never touched.
 */
export function inAppWords<T>(value: T, opts: WordsOptions = {}): T {
  return walk(value, opts, 0) as T;
}

function walk(v: unknown, opts: WordsOptions, depth: number): unknown {
  if (depth > 32 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const item: unknown = v[i];
      if (item === null || typeof item !== 'object') continue;
      const next = walk(item, opts, depth + 1);
      if (next !== item) (copy ??= [...v])[i] = next;
    }
    return copy ?? v;
  }
  const record = v as Record<string, unknown>;
  // appError copies when it rewords, so `out` may be changed in place unless it is still `record`
  let out: Record<string, unknown> = isCoded(record) ? { ...appError(record, opts) } : record;
  for (const [k, item] of Object.entries(out)) {
    if (item === null || typeof item !== 'object') continue;
    const next = walk(item, opts, depth + 1);
    if (next !== item) {
      if (out === record) out = { ...record };
      out[k] = next;
    }
  }
  return out !== record && isCoded(record) && Object.keys(out).every((k) => out[k] === record[k]) ? record : out;
}
