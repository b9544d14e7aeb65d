/**
 * The single executable's main script (bundled to CommonJS for Node's SEA): the same CLI as
 * core/cli/bin.js, without the check for a compiled tree (everything is inside the executable).
 */
import { main } from '../../core/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`posture-stage: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
