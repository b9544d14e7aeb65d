/**
 * A real tinyproxy (/usr/bin/tinyproxy) in the foreground with its own config, log and free port,
 * optionally with BasicAuth, to prove fetch goes through an enterprise-style HTTP proxy (CONNECT).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, stopChild } from './net.js';

export interface TinyproxyOptions {
  basicAuth?: { user: string; password: string };
}

export interface Tinyproxy {
  port: number;
  /** http://127.0.0.1:PORT (no credentials) */
  url: string;
  pid: number;
  dir: string;
  /** the proxy's log so far (CONNECT lines are logged at level Connect) */
  log(): string;
  stop(): Promise<void>;
}

/** Starts tinyproxy on 127.0.0.1 with a free port; `stop()` kills it by PID and removes its dir. */
export async function startTinyproxy(opts: TinyproxyOptions = {}): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'ps-tinyproxy-'));
  chmodSync(dir, 0o777); // tinyproxy drops to "nobody" and must write its log here
  const logFile = join(dir, 'tinyproxy.log');
  const { child, port, output } = await startDaemon(dir, (port) => {
    const conf = [
      'User nobody',
      'Group nogroup',
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 60',
      `LogFile "${logFile}"`,
      'LogLevel Connect',
      'MaxClients 50',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.password}`] : []),
    ].join('\n');
    writeFileSync(join(dir, 'tinyproxy.conf'), conf + '\n');
    return ['/usr/bin/tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')]];
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    dir,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') + output(),
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
