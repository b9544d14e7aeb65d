/**
 * An SFTP target through the handler table, against a real OpenSSH sshd (e2e/peers): its secrets
 * (private key + passphrase) sealed by a keychain-backed box and handed to the transfer code in
 * memory — no file is written under the data folder during a push except the activity log — and the
 * node panel shows the node's history and ise-psc.log over SSH as for HTTPS nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, type HandlerContext } from './context.js';
import { createHandlers } from './index.js';
import { handlerClient } from './testing.js';
import type { SecretBox } from '../secrets.js';
import type { HandlerTable, PushTargetResult } from '../contract.js';
import { writeBundle } from '../../bundle/index.js';
import { initStore, readStatus } from '../../agent/index.js';
import { startSshd, type Sshd } from '../../../e2e/peers/index.js';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const remoteCommand = `${process.execPath} ${join(repo, 'core/cli/bin.js')}`;

/** A keychain-backed box as the Electron shell injects it, faked at its edge: an XOR "keychain". */
const box: SecretBox = {
  kind: 'safeStorage',
  seal: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)).toString('base64'),
  open: (sealed) => Buffer.from(Buffer.from(sealed, 'base64').map((b) => b ^ 0x5a)).toString('utf8'),
};

let home: string;
let work: string;
let sshd: Sshd;
let ctx: HandlerContext;
let handlers: HandlerTable;

const { call, finished } = handlerClient(() => handlers);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ps-sftp-handlers-'));
  work = mkdtempSync(join(tmpdir(), 'ps-sftp-node-'));
  sshd = await startSshd();
  ctx = createContext({ home, shell: 'electron', secrets: box });
  handlers = createHandlers(ctx);
});

afterAll(async () => {
  await ctx?.dispose();
  await sshd?.stop();
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('SFTP target in the app', () => {
  it('pushes with in-memory secrets (nothing secret on disk) and shows history and ise-psc.log', async () => {
    const store = join(work, 'store');
    await initStore(store, { name: 'staging-sftp' });
    const row = await call('importBundle', {
      name: 'posture-offline.zip',
      dataBase64: Buffer.from(await writeBundle({ seed: 7 })).toString('base64'),
    });
    const privateKey = readFileSync(sshd.identityWithPassphrase, 'utf8');
    const target = await call('saveTarget', {
      kind: 'sftp',
      name: 'staging-sftp',
      host: '127.0.0.1',
      port: sshd.port,
      user: sshd.user,
      storePath: store,
      hostKey: sshd.hostKeyFingerprint,
      privateKey,
      passphrase: sshd.passphrase,
      remoteCommand,
    });
    expect(target).toMatchObject({ kind: 'sftp', auth: 'key' });
    // at rest the key and its passphrase are only sealed
    const saved = readFileSync(join(home, 'targets.json'), 'utf8');
    expect(saved).not.toContain('PRIVATE KEY');
    expect(saved).not.toContain(sshd.passphrase);

    const written: string[] = [];
    const watcher = watch(home, { recursive: true }, (_e, name) => written.push(String(name)));
    try {
      expect((await call('testTarget', { id: target.id })).ok).toBe(true);
      const [preview] = await call('previewApply', { sha256: row.sha256, targetIds: [target.id] });
      expect(preview).toMatchObject({ ok: true, current: { conditions: '0.0.0.0' } });
      const job = await finished((await call('startPush', { sha256: row.sha256, targetIds: [target.id] })).jobId);
      const [result] = job.result as PushTargetResult[];
      expect(result?.error).toBeUndefined();
      expect(result?.ok).toBe(true);
      // the push result carries the node's log tail, read over SSH
      expect(result?.logTail?.join('\n')).toContain('Completed opswat download');
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      watcher.close();
    }
    // only the activity log changed; no short-lived key or token file ever appeared
    expect([...new Set(written)]).toEqual(['activity.jsonl']);
    expect(existsSync(join(home, 'private'))).toBe(false);
    expect((await readStatus(store)).versions.conditions).toBe('300418.0.0.0');

    const node = await call('nodeStatus', { id: target.id });
    expect(node.status.versions.conditions).toBe('300418.0.0.0');
    expect(node.status.lastSuccessfulUpdate).not.toBeNull();
    expect(node.history[0]).toMatchObject({ mode: 'apply', result: 'success', sha256: row.sha256 });
    expect(node.logTail.some((l) => l.includes('Starting opswat download'))).toBe(true);
  });
});
