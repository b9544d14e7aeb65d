/**
 * A real OpenSSH ssh-agent (`ssh-agent -D -a SOCKET`) holding the keys `ssh-add` gave it: the SSH agent an
 * SFTP target may log in with (SSH_AUTH_SOCK). Its socket lives in its own temporary folder; stopped by PID.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killOnExit, stopChild } from './net.js';

const run = promisify(execFile);

export interface SshAgent {
  /** the SSH_AUTH_SOCK to give a client */
  socket: string;
  stop(): Promise<void>;
}

/** Starts an agent and adds `keys` (private key files without passphrase) to it. */
export async function startSshAgent(keys: string[]): Promise<SshAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'ps-ssh-agent-'));
  const socket = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  const forget = killOnExit(child);
  child.once('exit', forget);
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 25));
    if (!existsSync(socket)) throw new Error('ssh-agent did not create its socket');
    for (const key of keys) await run('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
  } catch (e) {
    await stop();
    throw e;
  }
  return { socket, stop };
}
