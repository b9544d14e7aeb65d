/**
 * app://renderer/… serves build/renderer-dist with the CSP header (checklist #7 and #18: a custom
 * protocol instead of file://, so the page's origin is ours and nothing outside the build is readable).
 */
import type { Protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from './hardening.js';
import { RENDERER_CSP, readRendererFile } from '../../core/app/index.js';

/** Must run before app 'ready'. */
export function registerSchemePrivileges(protocol: Protocol): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the renderer build; anything else answers 404. */
export function serveRenderer(protocol: Protocol, root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    const file = await readRendererFile(root, url.pathname);
    if (!file) return new Response('not found', { status: 404 });
    return new Response(new Uint8Array(file.body), {
      headers: { 'content-type': file.type, 'content-security-policy': RENDERER_CSP, 'x-content-type-options': 'nosniff' },
    });
  });
}
