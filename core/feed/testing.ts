/**
 * Test support, run as a child process: `node --import tsx core/feed/testing.ts '<FetchOptions as JSON>'`.
 * Runs one `fetchBundle` and prints one JSON line (`{"ok":true,…}` or `{"ok":false,"code",…}`), so that a
 * crash inside undici (nodejs/undici#5360: an uncatchable assertion) ends this child, not the test runner.
 * `slowReaderMs` busy-waits in every progress callback: a reader slower than the socket.
 */
import { fetchBundle, type FetchOptions } from './fetch.js';
import { CoreError } from '../errors.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as FetchOptions & { slowReaderMs?: number };
const slow = opts.slowReaderMs;
const busy = (ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end;);
};
try {
  const r = await fetchBundle({ env: {}, backoffMs: 10, ...opts }, slow ? () => busy(slow) : undefined);
  process.stdout.write(JSON.stringify({ ok: true, sha256: r.sha256, size: r.size, resumed: r.resumed }) + '\n');
} catch (e) {
  const err = e instanceof CoreError ? e : new CoreError('INTERNAL', String(e));
  process.stdout.write(JSON.stringify({ ok: false, code: err.code, details: err.details }) + '\n');
}
