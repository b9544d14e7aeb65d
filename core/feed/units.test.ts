import { afterEach, describe, expect, it, vi } from 'vitest';
import { bypassesProxy, chooseProxy, redactUrl } from './proxy.js';
import { parseFeed } from './atom.js';
import { exitCodeFor } from '../error-catalogue.js';
import { ATOM_NS, UPDATE_NS } from '../bundle/layout.js';
import { FeedScheduler } from './scheduler.js';
import { classifyConnectError } from './diagnose.js';
import { DEFAULT_BUNDLE_URL, defaultFeedSettings, setUrlToDefault } from './settings.js';

describe('proxy choice', () => {
  it('honours NO_PROXY forms: exact, suffix, .suffix, host:port and *', () => {
    const u = new URL('https://updates.example.com:443/x');
    expect(bypassesProxy(u, 'example.com')).toBe(true);
    expect(bypassesProxy(u, '.example.com')).toBe(true);
    expect(bypassesProxy(u, 'updates.example.com:8443')).toBe(false);
    expect(bypassesProxy(u, 'updates.example.com:443')).toBe(true);
    expect(bypassesProxy(u, 'ample.com')).toBe(false);
    expect(bypassesProxy(u, '*')).toBe(true);
  });

  it('--proxy beats the environment, and credentials never reach the display form', () => {
    const c = chooseProxy('https://www.cisco.com/x', {
      proxy: 'http://admin:P%40ss@proxy.corp:3128',
      env: { HTTPS_PROXY: 'http://other:8080' },
    });
    expect(c.host).toBe('proxy.corp');
    expect(c.port).toBe(3128);
    expect(c.display).toBe('http://***@proxy.corp:3128');
    expect(redactUrl('http://u:secret@h:1')).not.toContain('secret');
    expect(chooseProxy('https://www.cisco.com/x', { env: { https_proxy: 'http://p:1', no_proxy: 'cisco.com' } }).url).toBeNull();
    expect(() => chooseProxy('https://x', { proxy: 'socks://h:1' })).toThrow(/http:\/\//);
  });
});

describe('Atom feed', () => {
  const base = 'https://feeds.example/spa/posture-update.xml';
  it("reads the stub's alternate link and an entry's zip enclosure with its sha256", () => {
    expect(parseFeed('<feed xmlns="http://www.w3.org/2005/Atom"><link rel="alternate" href="real.xml"/></feed>', base).alternate).toBe(
      'https://feeds.example/spa/real.xml',
    );
    const doc = parseFeed(
      `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:update="http://www.cisco.com/cpm/update/1.0"><entry><update:sha256>${'a'.repeat(64)}</update:sha256><link rel="enclosure" length="10" href="/b/posture-offline.zip"/></entry></feed>`,
      base,
    );
    expect(doc.enclosure).toEqual({ href: 'https://feeds.example/b/posture-offline.zip', length: 10, sha256: 'a'.repeat(64) });
  });
  it('refuses a DTD and a non-Atom document', () => {
    expect(() => parseFeed('<!DOCTYPE feed [<!ENTITY x "y">]><feed xmlns="http://www.w3.org/2005/Atom"/>', base)).toThrow(/DTD/);
    expect(() => parseFeed('<html/>', base)).toThrow(/not an Atom feed/);
  });
});

describe('settings and diagnostics', () => {
  it('"Set to Default" restores Cisco\'s URL and keeps the proxy', () => {
    expect(setUrlToDefault({ ...defaultFeedSettings(), url: 'https://mirror/x.zip', proxy: 'http://p:1' })).toMatchObject({
      url: DEFAULT_BUNDLE_URL,
      proxy: 'http://p:1',
    });
  });
  it('a name that does not resolve is step "dns" (direct) or "proxy" (when the proxy name fails)', async () => {
    const enotfound = Object.assign(new Error('getaddrinfo ENOTFOUND www.cisco.com'), { code: 'ENOTFOUND' });
    const direct = await classifyConnectError(enotfound, { url: 'https://www.cisco.com/x', proxy: { url: null, display: null } });
    expect(direct.details).toMatchObject({ step: 'dns', host: 'www.cisco.com' });
    expect(direct.message).toContain('UDP 53');
    const viaProxy = await classifyConnectError(enotfound, {
      url: 'https://www.cisco.com/x',
      proxy: { url: 'http://proxy.corp:3128', display: 'http://proxy.corp:3128', host: 'proxy.corp', port: 3128 },
    });
    expect(viaProxy.details.step).toBe('proxy');
  });
});

describe('FeedScheduler', () => {
  afterEach(() => vi.useRealTimers());
  it('checks after the initial delay, then every N hours, reporting failures without throwing', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const results: boolean[] = [];
    const s = new FeedScheduler(
      async () => {
        calls++;
        if (calls === 2) throw new Error('offline');
      },
      { initialDelayMs: 60_000, intervalHours: 2 },
      (r) => results.push(r.ok),
    );
    s.start();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    expect(calls).toBe(3);
    expect(results).toEqual([true, false, true]);
    s.stop();
    await vi.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(calls).toBe(3);
  });
});

describe('Atom feed on the one XML stack', () => {
  const base = 'https://feeds.example/spa/posture-update.xml';
  it('every refusal is FEED_INVALID (exit 3), with what failed and what to do', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['<!DOCTYPE feed [<!ENTITY x "y">]><feed xmlns="http://www.w3.org/2005/Atom"/>', { reason: 'doctype' }],
      ['<feed xmlns="http://www.w3.org/2005/Atom"><entry></feed>', { reason: 'malformed' }],
      ['<feed xmlns="http://www.w3.org/2005/Atom">\u0000</feed>', { reason: 'char', offset: 42 }],
      ['<?xml version="1.0" encoding="ISO-8859-1"?><feed xmlns="http://www.w3.org/2005/Atom"/>', { reason: 'encoding' }],
      ['<html/>', {}],
    ];
    for (const [xml, details] of cases) {
      let err: unknown = null;
      try {
        parseFeed(xml, base);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'FEED_INVALID', details: { url: base, ...details } });
      expect((err as Error).message).toContain('Check the Update Feed URL');
    }
    expect(exitCodeFor('FEED_INVALID')).toBe(3);
  });
  it('takes its namespaces from the bundle layout and ignores long text it does not read', () => {
    const doc = parseFeed(
      `<feed xmlns="${ATOM_NS}" xmlns:u="${UPDATE_NS}"><updated> 2025-03-13T05:00:00Z </updated><entry><summary>${'x'.repeat(100_000)}</summary><u:sha256>${'B'.repeat(64)}</u:sha256><link rel="enclosure" href="b.zip"/></entry></feed>`,
      base,
    );
    expect(doc).toEqual({
      updated: '2025-03-13T05:00:00Z',
      enclosure: { href: 'https://feeds.example/spa/b.zip', sha256: 'b'.repeat(64) },
    });
  });
});
