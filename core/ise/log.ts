/**
 * ISE's ise-psc.log as an admin downloads it (Operations > Troubleshooting > Download Logs > … > ise-psc.log),
 * streamed line by line: the `Starting opswat download` … `Offline download file URI :…` … `Completed opswat
 * download` runs of the posture DownloadManager (bundle-format.md "What is public"), in English and as the
 * Japanese page of ../shared/seed/ise-posture-update.ja.txt shows them:
 *
 *   2025-03-13 13:58:07,246 INFO  [admin-http-pool5][[]] cisco.cpm.posture.download.DownloadManager -::admin::- Starting opswat download
 *   2025-03-13 13:58:07,246 INFO [admin-http-pool5][[]]            (the event wrapped: logger and message on the next line)
 *   cisco.cpm.posture.download.DownloadManager -::admin::- opswatのダウンロードを開始
 *   2025-03-13 13:58:07,251情報[admin-http-pool5][[]] …            (情報 for INFO, no spaces)
 *   … -::admin::- オフラインダウンロードファイルURI
 *   :/opt/CSCOCpm/temp/cp/update/5c064701-…/osgroupsV2.tar.gz
 *
 * A line that does not start with a timestamp continues the event before it (wrapped lines, stack traces).
 * Linear and bounded: each line is cut at MAX_LINE bytes, an event at MAX_EVENT characters, and only the newest
 * runs (with a bounded number of URI and error lines each) are kept; memory does not grow with the log.
 */
import type { IseLogRun, IseLogScan } from './types.js';

const MAX_LINE = 64 * 1024;
const MAX_EVENT = 16 * 1024;
export const LOG_BOUNDS = { maxRuns: 50, maxUris: 100, maxErrors: 20 } as const;

const STAMP = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}),(\d{3})/;
/** timestamp, level (INFO or 情報, spaces optional), [thread][[…]], then logger -::who::- message */
const EVENT = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3})\s*([^\s[]*)\s*\[([^\]]{0,200})\]\[\[[^\]]{0,200}\]\]\s*(.*)$/s;
const SOURCE = /^(\S{1,300})\s+-:+([^:]{0,200}):+-\s?(.*)$/s;
const START = /starting opswat download|opswatのダウンロードを開始/i;
const COMPLETE = /completed opswat download|opswatのダウンロードが完了/i;
const URI = /(?:offline download file uri|オフラインダウンロードファイルuri)\s*:\s*(\S{1,4096})/i;
const ERROR_LEVEL = /^(?:error|fatal|エラー)$/i;

interface Event {
  at: string;
  line: number;
  level: string;
  thread: string;
  logger: string;
  who: string;
  message: string;
}

function parseEvent(text: string, line: number): Event | null {
  const m = EVENT.exec(text);
  if (!m) return null;
  const rest = m[4] ?? '';
  const src = SOURCE.exec(rest);
  return {
    at: m[1]!,
    line,
    level: m[2] ?? '',
    thread: m[3] ?? '',
    logger: src?.[1] ?? '',
    who: src?.[2] ?? '',
    message: (src ? src[3] : rest) ?? '',
  };
}

/** Folds events into runs. */
class Runs {
  readonly done: IseLogRun[] = [];
  dropped = 0;
  #current: IseLogRun | null = null;

  #close(run: IseLogRun): void {
    this.done.push(run);
    if (this.done.length > LOG_BOUNDS.maxRuns) {
      this.done.shift();
      this.dropped++;
    }
  }

  #open(e: Event | null): IseLogRun {
    return {
      startedAt: e?.at ?? null,
      completedAt: null,
      startLine: e?.line ?? null,
      completedLine: null,
      thread: e?.thread || null,
      who: e?.who || null,
      uris: [],
      errors: [],
    };
  }

  add(e: Event): void {
    const text = e.message;
    if (START.test(text)) {
      // a new run before the last one completed: the last one did not finish
      if (this.#current) this.#close(this.#current);
      this.#current = this.#open(e);
      return;
    }
    const uri = URI.exec(text);
    if (uri?.[1]) {
      // the log may begin inside a run: its start is not in this file
      this.#current ??= this.#open(null);
      if (this.#current.uris.length < LOG_BOUNDS.maxUris) this.#current.uris.push({ at: e.at, uri: uri[1], line: e.line });
      return;
    }
    if (COMPLETE.test(text)) {
      const run = this.#current ?? this.#open(null);
      run.completedAt = e.at;
      run.completedLine = e.line;
      run.thread ??= e.thread || null;
      run.who ??= e.who || null;
      this.#current = null;
      this.#close(run);
      return;
    }
    if (this.#current && ERROR_LEVEL.test(e.level) && /posture/i.test(e.logger) && this.#current.errors.length < LOG_BOUNDS.maxErrors)
      this.#current.errors.push({ at: e.at, text: text.slice(0, 500), line: e.line });
  }

  finish(): void {
    if (this.#current) this.#close(this.#current);
    this.#current = null;
  }
}

/** Scans ise-psc.log from a stream of bytes (a file, an upload). */
export async function scanIseLog(input: AsyncIterable<Uint8Array | string>): Promise<IseLogScan> {
  const runs = new Runs();
  let lines = 0;
  let longLines = 0;
  let firstAt: string | null = null;
  let lastAt: string | null = null;
  let event: { text: string; line: number } | null = null;
  const decoder = new TextDecoder('utf-8');

  const flush = () => {
    if (!event) return;
    const e = parseEvent(event.text, event.line);
    event = null;
    if (!e) return;
    firstAt ??= e.at;
    lastAt = e.at;
    runs.add(e);
  };
  const onLine = (raw: string) => {
    lines++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (STAMP.test(line)) {
      flush();
      event = { text: line.slice(0, MAX_EVENT), line: lines };
    } else if (event && line.trim() !== '' && event.text.length < MAX_EVENT) {
      event.text = `${event.text} ${line.trim()}`.slice(0, MAX_EVENT);
    }
  };

  // bytes of the line being read; beyond MAX_LINE the rest of that line is dropped
  let parts: Uint8Array[] = [];
  let partLength = 0;
  let cut = false;
  const take = (bytes: Uint8Array) => {
    if (partLength >= MAX_LINE) {
      cut = true;
      return;
    }
    const room = MAX_LINE - partLength;
    if (bytes.length > room) cut = true;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    parts.push(kept);
    partLength += kept.length;
  };
  const endLine = () => {
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partLength);
    if (cut) longLines++;
    onLine(decoder.decode(joined));
    parts = [];
    partLength = 0;
    cut = false;
  };
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let at = 0;
    while (at < bytes.length) {
      const nl = bytes.indexOf(0x0a, at);
      if (nl === -1) {
        take(bytes.subarray(at));
        break;
      }
      take(bytes.subarray(at, nl));
      endLine();
      at = nl + 1;
    }
  }
  if (partLength > 0 || cut) endLine();
  flush();
  runs.finish();
  return { lines, firstAt, lastAt, runs: runs.done, runsDropped: runs.dropped, longLines };
}
