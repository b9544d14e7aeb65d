/**
 * The error catalogue is complete and says what the specs fix: exit codes (interfaces.md "Exit codes"), the
 * agent's HTTP statuses (interfaces.md "Node agent HTTPS API": 401, 400, 409, 413, 422), and the code lists
 * of bundle-format.md "Error codes" and interfaces.md "Transfer error codes".
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ALL_CODES, BUNDLE_CODES, NODE_CODES, TRANSFER_CODES, type ErrorCode } from './errors.js';
import { ERROR_CATALOGUE, exitCodeFor, httpStatusFor, isRefusal, messageFor } from './error-catalogue.js';

const spec = join(fileURLToPath(new URL('..', import.meta.url)), '..', 'shared', 'spec');
const interfaces = readFileSync(join(spec, 'interfaces.md'), 'utf8');
const bundleFormat = readFileSync(join(spec, 'bundle-format.md'), 'utf8');
/** The `CODE`s quoted in `text`. */
const codesIn = (text: string) => [...text.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]);

describe('error catalogue', () => {
  it('has one entry per code, each with a title and a next step', () => {
    expect(Object.keys(ERROR_CATALOGUE).sort()).toEqual([...ALL_CODES].sort());
    for (const code of ALL_CODES) {
      const { title, next } = ERROR_CATALOGUE[code];
      expect(title.length, code).toBeGreaterThan(2);
      expect(next, code).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('holds the codes the specs name', () => {
    const section = bundleFormat.slice(
      bundleFormat.indexOf('## Error codes'),
      bundleFormat.indexOf('Warnings:', bundleFormat.indexOf('## Error codes')),
    );
    expect(codesIn(section).sort()).toEqual([...BUNDLE_CODES, ...NODE_CODES].sort());
    const transfer = /Transfer error codes:([\s\S]*?)\n\n/.exec(interfaces)?.[1] ?? '';
    expect(codesIn(transfer).sort()).toEqual([...TRANSFER_CODES].sort());
  });

  it('gives the exit codes of interfaces.md: 1 usage/internal · 2 refused · 3 network/transfer', () => {
    expect(interfaces).toContain('`1` usage error or internal fault · `2` the input was refused');
    const byExit = (n: number) => ALL_CODES.filter((c) => exitCodeFor(c) === n).sort();
    expect(byExit(1)).toEqual(['INTERNAL', 'USAGE']);
    expect(byExit(3)).toEqual(['CANCELLED', 'FEED_INVALID', 'TRANSFER_INTERRUPTED', 'UNREACHABLE']);
    // every refusal of a bundle, a node, a host key, a signature or a permission is exit 2
    for (const code of [...BUNDLE_CODES, ...NODE_CODES, 'HOST_KEY_MISMATCH', 'SIGNATURE_INVALID', 'PERMISSION_DENIED'] as ErrorCode[])
      expect(exitCodeFor(code), code).toBe(2);
  });

  it("gives the agent's HTTP statuses of interfaces.md", () => {
    expect(interfaces).toMatch(/401 \{"ok":false,"error":\{"code":"UNAUTHORIZED"\}\}/);
    expect(interfaces).toContain('`400` bad request/`REMOTE_CHECKSUM_MISMATCH`, `409 APPLY_BUSY`, `413 TOO_LARGE`, `422` bundle refused');
    expect(interfaces).toContain('`409` if nothing to roll back');
    expect(httpStatusFor('UNAUTHORIZED')).toBe(401);
    expect(httpStatusFor('USAGE')).toBe(400);
    expect(httpStatusFor('REMOTE_CHECKSUM_MISMATCH')).toBe(400);
    expect(httpStatusFor('APPLY_BUSY')).toBe(409);
    expect(httpStatusFor('NOTHING_TO_ROLL_BACK')).toBe(409);
    expect(httpStatusFor('TOO_LARGE')).toBe(413);
    for (const code of [...BUNDLE_CODES, 'DOWNGRADE_REFUSED'] as ErrorCode[]) expect(httpStatusFor(code), code).toBe(422);
    expect(httpStatusFor('PERMISSION_DENIED')).toBe(403);
    expect(httpStatusFor('NOT_FOUND')).toBe(404);
    expect(httpStatusFor('INTERNAL')).toBe(500);
  });

  it('calls exit-2 codes refusals (history, activity) and network, cancel, usage and bugs failures', () => {
    for (const code of ['ZIP_UNSAFE_PATH', 'DOWNGRADE_REFUSED', 'HOST_KEY_MISMATCH', 'SIGNATURE_INVALID', 'STORE_CORRUPT'] as ErrorCode[])
      expect(isRefusal(code), code).toBe(true);
    for (const code of ['UNREACHABLE', 'TRANSFER_INTERRUPTED', 'CANCELLED', 'USAGE', 'INTERNAL'] as ErrorCode[])
      expect(isRefusal(code), code).toBe(false);
  });

  it('fills a missing message with the title and the next step, and keeps a given one', () => {
    expect(messageFor('APPLY_BUSY')).toBe(
      'Node busy. Wait for the running apply or rollback to finish (see `agent status`), then try again.',
    );
    expect(messageFor('APPLY_BUSY', ' ')).toMatch(/^Node busy\./);
    expect(messageFor('APPLY_BUSY', 'Another apply runs.')).toBe('Another apply runs.');
  });
});
