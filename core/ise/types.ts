/**
 * What the hand-off to ISE and `confirm` produce (issue 10; interfaces.md `agent handoff`, `handoff`, `confirm`).
 * ISE is a closed appliance: content reaches it only through its GUI (Administration > System > Settings >
 * Posture > Updates > Offline > Update Now, on the PAN), and the proof that it took the content is what its GUI
 * shows (Update Information) and what it logs (ise-psc.log). Type-only module: the renderer imports these types.
 */
import type { VersionKey, Versions } from '../bundle/types.js';

/** One part of HANDOFF.txt, also drawn by the app's hand-off step (the same words in both). */
export interface HandoffSection {
  id: 'file' | 'check' | 'upload' | 'expect' | 'log' | 'confirm';
  title: string;
  /** a paragraph before the rest */
  intro?: string;
  /** numbered steps (ISE's GUI) */
  steps?: string[];
  /** label/value lines */
  facts?: Array<{ label: string; value: string }>;
  /** verbatim text: commands, log lines */
  code?: string[];
  /** a paragraph after the rest */
  note?: string;
}

/** The content of HANDOFF.txt for one bundle (`handoffText` renders it, the app draws it). */
export interface HandoffDocument {
  file: { name: string; size: number; sha256: string };
  layout: 'reference' | 'unknown';
  /** the five versions ISE should show afterwards (reference layout), else null */
  expected: Array<{ key: VersionKey; label: string; version: string }> | null;
  /** the ISE deployment it is for (its PAN's host name), when the target names one */
  deployment: string | null;
  /** where the file comes from, in words */
  source: string;
  signer: { name: string; fingerprint: string; signedAt: string } | null;
  /** when the hand-off was prepared: this computer's local time "YYYY-MM-DD HH:MM:SS", and ISO */
  preparedAt: string;
  preparedAtIso: string;
  sections: HandoffSection[];
}

/** What `writeHandoff` wrote (`agent handoff`, `handoff --json` minus `ok`). */
export interface HandoffResult {
  dir: string;
  files: { bundle: string; sha256: string; handoff: string };
  sha256: string;
  size: number;
  layout: 'reference' | 'unknown';
  versions: Versions | null;
  /** file names that were already there with the same content and were left as they were */
  unchanged: string[];
  document: HandoffDocument;
}

/** ISE's Update Information as an admin pasted it from the GUI (parsed, schema-checked). */
export interface IseStatus {
  /** the versions the paste shows (a component it does not show is absent) */
  versions: Partial<Versions>;
  /** "YYYY/MM/DD HH:MM:SS", or null for "No Update since Installation" or when not pasted */
  lastSuccessfulUpdate: string | null;
  /** ISE's words, e.g. "Last update attempt at 2025/03/13 14:24:50 was successful" */
  lastUpdateStatus: string | null;
  /** "An update is running" */
  updating: boolean;
  /** the last attempt, when the status says when and how it ended */
  lastAttempt: { at: string; successful: boolean } | null;
  /** labels pasted more than once (the last value is used) */
  repeated: string[];
}

/** One `Starting opswat download` … `Completed opswat download` run in ise-psc.log. */
export interface IseLogRun {
  /** "YYYY-MM-DD HH:MM:SS,mmm" as logged (ISE's local time); null when the log begins inside the run */
  startedAt: string | null;
  completedAt: string | null;
  /** 1-based line numbers in the log file */
  startLine: number | null;
  completedLine: number | null;
  thread: string | null;
  /** the ISE admin from `-::<who>::-` */
  who: string | null;
  /** `Offline download file URI :…` lines of the run */
  uris: Array<{ at: string; uri: string; line: number }>;
  /** ERROR lines from posture loggers during the run */
  errors: Array<{ at: string; text: string; line: number }>;
}

/** What a scan of ise-psc.log found (streamed; bounded). */
export interface IseLogScan {
  lines: number;
  /** first and last timestamps seen */
  firstAt: string | null;
  lastAt: string | null;
  /** the newest runs (at most `maxRuns`), oldest first */
  runs: IseLogRun[];
  runsDropped: number;
  /** lines longer than the bound, cut */
  longLines: number;
}

/** Per component: ISE has this version / ISE is older (not taken) / ISE is already newer. */
export type ComponentVerdict = 'present' | 'older' | 'newer' | 'missing' | 'not-compared';

/** `posture-stage confirm --json` minus `ok` (README "confirm"). */
export interface ConfirmReport {
  /** taken: ISE shows every component (and the log, when given, has the completed run); exit 0 only then */
  verdict: 'taken' | 'not-taken' | 'cannot-tell';
  bundle: { file: string; sha256: string; size: number; layout: 'reference' | 'unknown' };
  /** the hand-off time the log run must not precede (local "YYYY-MM-DD HH:MM:SS"), and where it came from */
  since: string | null;
  sinceSource: 'HANDOFF.txt' | '--since' | 'hand-off' | null;
  ise: IseStatus;
  components: Array<{
    key: VersionKey;
    label: string;
    /** the bundle's version (null: unknown layout) */
    bundle: string | null;
    /** what ISE shows (null: not in the paste) */
    ise: string | null;
    verdict: ComponentVerdict;
    /** unknown layout: where ISE's value appears in the bundle (found by pattern, not verified) */
    mentioned?: string[];
  }>;
  log: null | {
    file: string;
    lines: number;
    firstAt: string | null;
    lastAt: string | null;
    runs: number;
    /** completed: a full run at or after the hand-off; incomplete: the newest one has no Completed line */
    verdict: 'completed' | 'incomplete' | 'no-run' | 'before-handoff';
    /** the run that was judged (null when there is none) */
    run: IseLogRun | null;
    /** its Completed time equals ISE's "Last successful update on" (to the second) */
    matchesUpdateInformation: boolean | null;
    message: string;
  };
  /** every reason it is not `taken`, and notes, in plain words */
  problems: string[];
  notes: string[];
}
