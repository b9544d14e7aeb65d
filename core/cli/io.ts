/**
 * How every command prints: one JSON document on stdout with --json, readable text otherwise,
 * errors as `{"ok":false,"error":{code,message,…details}}` and exit codes from interfaces.md.
 */
import cliProgress from 'cli-progress';
import { CoreError, toCoreError } from '../errors.js';
import { exitCodeFor } from '../error-catalogue.js';
import { escapeForTerminal, escapeText, jsonForTerminal } from './format/escape.js';

export interface CommandResult {
  /** merged into `{"ok":true, …data}` for --json */
  data: Record<string, unknown>;
  /** text for humans on stdout */
  human: string | (() => string);
  /** overrides the exit code (e.g. push: the worst target) */
  exitCode?: number;
  /** overrides `ok` in the JSON (e.g. push with a failed target) */
  ok?: boolean;
}

export interface Output {
  out: (s: string) => void;
  err: (s: string) => void;
  stderrIsTTY: boolean;
}

const processOutput: Output = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  stderrIsTTY: Boolean(process.stderr.isTTY),
};

let pipesGuarded = false;

/**
 * `posture-stage inspect … | head`: when whoever reads stdout or stderr has gone, end at once with exit 0,
 * as Unix tools do on SIGPIPE (which Node ignores) — never an "EPIPE" stack trace. Installed once.
 */
export function endQuietlyOnClosedPipe(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(0);
      throw e;
    });
  }
}

/** Runs one command action and turns its result or error into output and an exit code. */
export async function runCommand(json: boolean, action: () => Promise<CommandResult>, output: Output = processOutput): Promise<number> {
  try {
    const result = await action();
    const ok = result.ok ?? true;
    if (json) output.out(jsonForTerminal({ ok, ...result.data }) + '\n');
    else {
      // formatters escape each string from a bundle; this net catches any they missed (line breaks stay)
      const text = escapeText(typeof result.human === 'function' ? result.human() : result.human);
      output.out(text.endsWith('\n') || text === '' ? text : text + '\n');
    }
    return result.exitCode ?? (ok ? 0 : 2);
  } catch (e) {
    const error = toCoreError(e);
    printError(error, json, output);
    return exitCodeFor(error.code);
  }
}

/** interfaces.md: `{"ok":false,"error":{"code","message",…details}}`; a detail never replaces the code or the message. */
export function errorDocument(error: CoreError): Record<string, unknown> {
  const head = { code: error.code, message: error.message };
  // head first for the key order, again last so that it wins
  return { ok: false, error: { ...head, ...error.details, ...head } };
}

/** Prints a refusal: the JSON document on stdout, or `error CODE: message` and the details on stderr, escaped (names in it may come from a bundle). */
export function printError(error: CoreError, json: boolean, output: Output = processOutput): void {
  if (json) {
    output.out(jsonForTerminal(errorDocument(error)) + '\n');
    return;
  }
  const lines = [`error ${error.code}: ${escapeForTerminal(error.message)}`];
  for (const [key, value] of Object.entries(error.details)) {
    lines.push(`  ${escapeForTerminal(key)}: ${escapeForTerminal(typeof value === 'string' ? value : JSON.stringify(value))}`);
  }
  output.err(lines.join('\n') + '\n');
}

export interface ProgressHandle {
  update(done: number, total?: number): void;
  stop(): void;
}

const NO_PROGRESS: ProgressHandle = { update() {}, stop() {} };

/**
 * A progress bar on stderr (bytes, rate, ETA). Shown on a terminal, or anywhere when
 * POSTURE_STAGE_PROGRESS=1; never on stdout, so --json output stays one document.
 */
export function progressBar(label: string, total: number, output: Output = processOutput): ProgressHandle {
  const forced = process.env.POSTURE_STAGE_PROGRESS === '1';
  if (!forced && (!output.stderrIsTTY || process.env.POSTURE_STAGE_PROGRESS === '0')) return NO_PROGRESS;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {doneMB}/{totalMB} MB | {rate} MB/s | ETA {eta_formatted}`,
      noTTYOutput: forced,
      notTTYSchedule: 500,
      hideCursor: false,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const mb = (n: number) => (n / 1048576).toFixed(1);
  let current = 0;
  bar.start(Math.max(total, 1), 0, { doneMB: mb(0), totalMB: mb(total), rate: '0.0' });
  return {
    update(done, newTotal) {
      current = done;
      if (newTotal !== undefined) bar.setTotal(Math.max(newTotal, 1));
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(done, { doneMB: mb(done), totalMB: mb(newTotal ?? total), rate: mb(done / seconds) });
    },
    stop() {
      bar.update(current);
      bar.stop();
    },
  };
}

/** Files below this size are quick enough to need no bar. */
export const BAR_MIN_BYTES = 16 * 1024 * 1024;

/**
 * A bar for a byte count known up front (re-hashing a library copy, an export): `onProgress` is undefined
 * below `BAR_MIN_BYTES`, so small files print nothing.
 */
export function byteProgress(label: string, total: number): { onProgress?: (done: number) => void; stop: () => void } {
  if (total < BAR_MIN_BYTES) return { stop() {} };
  let bar: ProgressHandle | undefined;
  return {
    onProgress(done) {
      bar ??= progressBar(label, total);
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}

export function usageError(message: string): CoreError {
  return new CoreError('USAGE', message);
}

/** commander option parser for a repeatable flag (`--ca A --ca B` → [A, B]). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
