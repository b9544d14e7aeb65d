import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactNames, formatSums, installText, parseSums, readKitManifest, KIT_SIG_NAMESPACE } from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kit-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HEX = 'ab'.repeat(32);

describe('SHA256SUMS', () => {
  it('is written in sha256sum format, sorted, and read back', () => {
    const text = formatSums([
      { file: 'b.deb', sha256: HEX },
      { file: 'a.tar.gz', sha256: 'cd'.repeat(32) },
    ]);
    expect(text).toBe(`${'cd'.repeat(32)}  a.tar.gz\n${HEX}  b.deb\n`);
    expect(parseSums(text + `${HEX} *binary-mode\nnot a line\n${HEX}  ../escape\n`)).toEqual([
      { file: 'a.tar.gz', sha256: 'cd'.repeat(32) },
      { file: 'b.deb', sha256: HEX },
      { file: 'binary-mode', sha256: HEX },
    ]);
  });
});

describe('kit.json', () => {
  const good = {
    format: 1,
    version: '0.1.0',
    node: 'v20.20.2',
    builtAt: '2026-01-01T00:00:00.000Z',
    buildKey: 'k',
    artifacts: [{ file: 'posture-stage-0.1.0-linux-x64', arch: 'x64', kind: 'executable', size: 1, sha256: HEX }],
  };

  it('reads a valid manifest', async () => {
    await writeFile(join(dir, 'kit.json'), JSON.stringify(good));
    expect((await readKitManifest(dir)).artifacts[0]!.arch).toBe('x64');
  });

  it.each([
    ['a path instead of a file name', { artifacts: [{ ...good.artifacts[0], file: '../../etc/passwd' }] }],
    ['an unknown CPU', { artifacts: [{ ...good.artifacts[0], arch: 'mips' }] }],
    ['a short hash', { artifacts: [{ ...good.artifacts[0], sha256: 'abc' }] }],
    ['no artifacts', { artifacts: [] }],
    ['a version with a slash', { version: '1/2' }],
  ])('refuses %s with SIGNATURE_INVALID', async (_why, change) => {
    await writeFile(join(dir, 'kit.json'), JSON.stringify({ ...good, ...change }));
    await expect(readKitManifest(dir)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('refuses text that is not JSON, and says NOT_FOUND for a folder without a kit', async () => {
    await writeFile(join(dir, 'kit.json'), '{"format":1,');
    await expect(readKitManifest(dir)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    await expect(readKitManifest(join(dir, 'none'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('INSTALL.txt', () => {
  it('names the files per CPU, the verify commands, the port and where the agent runs', () => {
    const text = installText({ version: '1.2.3', arches: ['x64', 'arm64'] });
    for (const arch of ['x64', 'arm64'] as const)
      for (const name of Object.values(artifactNames('1.2.3', arch))) expect(text).toContain(name);
    expect(text).toContain('sha256sum -c SHA256SUMS');
    expect(text).toContain(`-n ${KIT_SIG_NAMESPACE} -s SHA256SUMS.sig < SHA256SUMS`);
    expect(text).toContain('NEVER on the ISE appliance');
    expect(text).toContain('8443/tcp');
    expect(text).toContain('This kit is not signed');
    expect(text.split('\n').length).toBeLessThanOrEqual(66);
  });

  it('with a signer, gives the allowed_signers line and the fingerprint to compare', () => {
    const text = installText({
      version: '1.2.3',
      arches: ['x64'],
      signer: { fingerprint: 'SHA256:abc', publicKey: 'ssh-ed25519 AAAAkey' },
    });
    expect(text).toContain("echo 'kit-signer ssh-ed25519 AAAAkey' > allowed_signers");
    expect(text).toContain('Good "posture-stage-kit" signature for kit-signer with ED25519 key SHA256:abc');
    expect(text).not.toContain('aarch64');
  });
});
