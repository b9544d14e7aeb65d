/**
 * app://renderer serves the renderer build with the CSP — the app icon (the page's favicon) included, so no page
 * load asks for a file that is not there — and nothing outside it. Electron's protocol module is faked at its edge:
 * the handler it is given is called with real Requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Protocol } from 'electron';
import { serveRenderer } from './protocol.js';

let dir: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-protocol-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><link rel="icon" type="image/svg+xml" href="./assets/icon-x.svg" />');
  writeFileSync(join(dir, 'assets', 'icon-x.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const protocol = { handle: (_scheme: string, fn: typeof handler) => void (handler = fn) } as unknown as Protocol;
  serveRenderer(protocol, dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('serves the page and its icon with the CSP, and nothing outside the build', async () => {
    const page = await handler(new Request('app://renderer/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("img-src 'self'");
    const icon = await handler(new Request('app://renderer/assets/icon-x.svg'));
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    // a path out of the build (normalised to /etc/passwd by the URL parser) never reads that file
    expect(await (await handler(new Request('app://renderer/../../etc/passwd'))).text()).not.toContain('root:');
    expect((await handler(new Request('app://other/index.html'))).status).toBe(404);
  });
});
