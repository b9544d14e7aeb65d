/**
 * The node's `logs/ise-psc.log`, in the shape of ISE's log4j lines (bundle-format.md "What is public"):
 * `2025-03-13 13:58:07,246 INFO  [admin-http-pool5][[]] cisco.cpm.posture.download.DownloadManager -::admin::- Starting opswat download`.
 * Rotated by size like log4j's RollingFileAppender (ise-psc.log.1 … .N).
 */
import { appendFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { storePaths } from './paths.js';

export const DOWNLOAD_MANAGER = 'cisco.cpm.posture.download.DownloadManager';
export const UPDATE_MANAGER = 'cisco.cpm.posture.update.PostureUpdateManager';

export interface LogOptions {
  /** rotate when the file would pass this size (default 10 MiB) */
  maxBytes?: number;
  /** rotated files kept (default 5) */
  keep?: number;
}

export interface LogLine {
  level: 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';
  /** e.g. "admin-http-pool5" (HTTPS API) or "agent-cli" */
  thread: string;
  logger?: string;
  /** the ISE user part `-::<who>::-` */
  who: string;
  message: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "2025-03-13 13:58:07,246" in local time, as log4j prints it. */
function log4jTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

/** "2025/03/13 14:24:50" in local time, as ISE's Update Information prints it. */
export function iseTime(d: Date): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Formats one line; newlines in messages are flattened so one event stays one line. */
export function formatLogLine(line: LogLine, at = new Date()): string {
  const message = line.message.replace(/[\r\n]+/g, ' ');
  return `${log4jTime(at)} ${line.level.padEnd(5)} [${line.thread}][[]] ${line.logger ?? DOWNLOAD_MANAGER} -::${line.who}::- ${message}`;
}

async function rotate(file: string, keep: number): Promise<void> {
  await rm(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    await rename(`${file}.${i}`, `${file}.${i + 1}`).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  await rename(file, `${file}.1`);
}

/** Appends lines to the store's ise-psc.log, rotating first when it would grow past maxBytes. */
export async function writeLog(store: string, lines: LogLine[], opts: LogOptions = {}): Promise<void> {
  if (lines.length === 0) return;
  const p = storePaths(store);
  const text = lines.map((l) => formatLogLine(l)).join('\n') + '\n';
  await mkdir(p.logs, { recursive: true });
  const size = await stat(p.log).then(
    (s) => s.size,
    () => 0,
  );
  if (size > 0 && size + Buffer.byteLength(text) > (opts.maxBytes ?? 10 * 1024 * 1024)) await rotate(p.log, opts.keep ?? 5);
  await appendFile(p.log, text);
}

/** The last `lines` lines of ise-psc.log (`GET /api/v1/log?lines=N`); reads only the file's tail. */
export async function readLogTail(store: string, lines: number): Promise<string> {
  const want = Math.max(0, Math.min(Math.floor(lines), 100_000));
  if (want === 0) return '';
  let fh;
  try {
    fh = await open(storePaths(store).log, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
  try {
    const { size } = await fh.stat();
    let chunk = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      const all = buf.toString('utf8').split('\n');
      if (all[all.length - 1] === '') all.pop();
      // the first line of a partial read may be cut; only trust it when we read from offset 0
      if (all.length > want || start === 0) return all.slice(-want).join('\n') + (all.length > 0 ? '\n' : '');
      chunk *= 4;
    }
  } finally {
    await fh.close();
  }
}
