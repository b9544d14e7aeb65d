/** Which nodes are offered the kit: an agent older than the app (or too old to say) — never a same or newer one. */
import { describe, expect, it } from 'vitest';
import { compareAgentVersion } from './agent-version.js';

describe('agent version against the app', () => {
  it('orders releases, pre-releases and agents that report nothing', () => {
    expect(compareAgentVersion('0.1.0', '0.1.0')).toBe('same');
    expect(compareAgentVersion('0.0.9', '0.1.0')).toBe('older');
    expect(compareAgentVersion('0.9.12', '0.10.0')).toBe('older');
    expect(compareAgentVersion('1.0.0', '0.10.0')).toBe('newer');
    expect(compareAgentVersion('0.1.0-rc.2', '0.1.0')).toBe('older');
    expect(compareAgentVersion('0.1.0-rc.10', '0.1.0-rc.9')).toBe('newer');
    expect(compareAgentVersion('0.1.0', '0.1.0-rc.1')).toBe('newer');
    expect(compareAgentVersion('0.1.0+build.7', '0.1.0')).toBe('same');
    expect(compareAgentVersion(null, '0.1.0')).toBe('older');
    expect(compareAgentVersion('garbage', '0.1.0')).toBe('unknown');
  });
});
