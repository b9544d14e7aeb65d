/**
 * ISE's "Update Information" block as an admin pastes it from the GUI (Administration > System > Settings >
 * Posture > Updates; ../shared/seed/ise-posture-update.ja.txt), e.g.
 *
 *   Last successful update on: **2025/03/13 14:24:50**
 *   Last update status since ISE was started: **Last update attempt at 2025/03/13 14:24:50 was successful**
 *   Cisco conditions version: **300418.0.0.0**
 *   Cisco AV/AS support chart version for windows: **297.0.0.0**            (… Mac OSX, Linux)
 *   Cisco supported OS version: **101.6.3.0**
 *
 * or the "Component  Version" table form (tab- or space-separated), a Markdown table, the label and its value on
 * separate lines, with `**`, non-breaking or full-width spaces and colons, and the Japanese page's heading
 * (更新情報). One pass over the lines, each bounded; the result is checked with a schema.
 */
import { z } from 'zod';
import { CoreError } from '../errors.js';
import type { VersionKey } from '../bundle/types.js';
import type { IseStatus } from './types.js';

/** The most text a paste may hold (the block is a few hundred bytes; a whole page pasted is still far below). */
export const MAX_STATUS_BYTES = 1024 * 1024;
const MAX_LINE = 4096;

const FOUR_PART = /(?<![\d.])(\d{1,10}(?:\.\d{1,10}){3})(?![\d.])/;
const ISE_TIME = /(\d{4})[/-](\d{2})[/-](\d{2})[ T]+(\d{2}):(\d{2}):(\d{2})/;

type Field = VersionKey | 'lastSuccessfulUpdate' | 'lastUpdateStatus';

/** Labels as ISE prints them, matched on the normalised (lower-case, single-spaced) line. */
const LABELS: Array<[Field, RegExp]> = [
  ['conditions', /^(?:cisco )?conditions? version\b/],
  ['avasWindows', /^(?:cisco )?av ?\/ ?as support chart version for windows\b/],
  ['avasMac', /^(?:cisco )?av ?\/ ?as support chart version for mac ?os ?x?\b/],
  ['avasLinux', /^(?:cisco )?av ?\/ ?as support chart version for linux\b/],
  ['supportedOs', /^(?:cisco )?supported os version\b/],
  ['lastSuccessfulUpdate', /^last successful update on\b/],
  ['lastUpdateStatus', /^last update status since ise was started\b/],
];

const FIELD_LABELS: Record<Field, string> = {
  conditions: 'Cisco conditions version',
  avasWindows: 'Cisco AV/AS support chart version for windows',
  avasMac: 'Cisco AV/AS support chart version for Mac OSX',
  avasLinux: 'Cisco AV/AS support chart version for Linux',
  supportedOs: 'Cisco supported OS version',
  lastSuccessfulUpdate: 'Last successful update on',
  lastUpdateStatus: 'Last update status since ISE was started',
};

const version = z.string().regex(/^\d{1,10}(\.\d{1,10}){3}$/);
const statusSchema = z.strictObject({
  versions: z.strictObject({
    conditions: version.optional(),
    avasWindows: version.optional(),
    avasMac: version.optional(),
    avasLinux: version.optional(),
    supportedOs: version.optional(),
  }),
  lastSuccessfulUpdate: z
    .string()
    .regex(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/)
    .nullable(),
  lastUpdateStatus: z.string().max(MAX_LINE).nullable(),
  updating: z.boolean(),
  lastAttempt: z.strictObject({ at: z.string().regex(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/), successful: z.boolean() }).nullable(),
  repeated: z.array(z.string().max(100)),
});

/** Markup and odd spaces out, one space between words: what the label patterns are matched on. */
function normalise(line: string): string {
  return line
    .replace(/[\u00a0\u2000-\u200b\u3000\t]/g, ' ')
    .replace(/：/g, ':')
    .replace(/\*\*|__|`|\|/g, ' ')
    .replace(/^\s*(?:[-*•]\s+|\d+\.\s+)/, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** "2025/03/13 14:24:50" from any of ISE's date spellings in `text`, or null. */
function iseTime(text: string): string | null {
  const m = ISE_TIME.exec(text);
  return m ? `${m[1]}/${m[2]}/${m[3]} ${m[4]}:${m[5]}:${m[6]}` : null;
}

/** Parses a pasted Update Information block; USAGE when the text shows none of its lines. */
export function parseIseStatus(input: string): IseStatus {
  if (input.length > MAX_STATUS_BYTES)
    throw new CoreError(
      'USAGE',
      `The pasted ISE status is ${input.length} characters; Update Information is a few lines. Paste only the Update Information block (at most ${MAX_STATUS_BYTES} characters).`,
      { size: input.length, max: MAX_STATUS_BYTES },
    );
  const found = new Map<Field, string>();
  const repeated = new Set<string>();
  let pending: Field | null = null;
  const set = (field: Field, value: string) => {
    if (found.has(field)) repeated.add(FIELD_LABELS[field]);
    found.set(field, value);
  };
  for (const raw of input.split(/\r\n|\r|\n/)) {
    if (raw.length > MAX_LINE) continue;
    const line = normalise(raw);
    if (line === '') continue;
    const lower = line.toLowerCase();
    const label = LABELS.find(([, re]) => re.test(lower));
    if (label) {
      const [field, re] = label;
      const rest = line.slice((re.exec(lower) as RegExpExecArray)[0].length).replace(/^\s*:?\s*/, '');
      pending = null;
      if (rest !== '') set(field, rest);
      else pending = field; // the value is on the next line (a table cell copied on its own line)
      continue;
    }
    if (pending) {
      set(pending, line);
      pending = null;
    }
  }
  const versions: IseStatus['versions'] = {};
  for (const key of ['conditions', 'avasWindows', 'avasMac', 'avasLinux', 'supportedOs'] as const) {
    const v = found.get(key);
    const m = v === undefined ? null : FOUR_PART.exec(v);
    if (m?.[1]) versions[key] = m[1];
  }
  const last = found.get('lastSuccessfulUpdate');
  const statusText = found.get('lastUpdateStatus') ?? null;
  if (Object.keys(versions).length === 0 && last === undefined && statusText === null)
    throw new CoreError(
      'USAGE',
      'The pasted text holds none of ISE\'s Update Information lines ("Cisco conditions version: …", "Last successful update on: …"). In ISE\'s GUI open Administration > System > Settings > Posture > Updates and copy the whole Update Information block.',
      { size: input.length },
    );
  const attempt = statusText ? /last update attempt at (.+?) was (successful|not successful|unsuccessful|failed)/i.exec(statusText) : null;
  const attemptAt = attempt?.[1] ? iseTime(attempt[1]) : null;
  const parsed = statusSchema.safeParse({
    versions,
    lastSuccessfulUpdate: last === undefined ? null : iseTime(last),
    lastUpdateStatus: statusText,
    updating: statusText !== null && /an update is running|updating/i.test(statusText),
    lastAttempt: attempt && attemptAt ? { at: attemptAt, successful: attempt[2]!.toLowerCase() === 'successful' } : null,
    repeated: [...repeated],
  });
  if (!parsed.success)
    throw new CoreError('USAGE', `The pasted ISE status could not be read (${parsed.error.issues[0]?.message ?? 'invalid'}).`);
  return parsed.data;
}
