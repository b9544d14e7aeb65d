/**
 * Bench section "push": SFTP push + apply of the `sample --scale 100` bundle with `posture-stage push`
 * (local check → upload → remote verify → rename → `agent apply`) against doing the same by hand with
 * OpenSSH in the same run: local `inspect`, `sftp -b` upload, `ssh … agent apply`. Target (issue 11): ours ≤ 1.0 × by hand.
 * Both go to a real sshd on 127.0.0.1 (e2e/peers) into fresh node stores.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from '../run.js';
import { CLI, fmt, loadLine, mb, median, mustRun, verdict } from '../util.js';
import { initStore } from '../../../core/agent/index.js';
import { startSshd } from '../../../e2e/peers/index.js';

const RUNS = 5;
const TARGET = 1.0;

export async function benchPush(ctx: BenchContext): Promise<void> {
  const size = (await stat(ctx.bundle)).size;
  const sshd = await startSshd();
  const dir = await mkdtemp(join(ctx.dir, 'push-'));
  const remote = `${process.execPath} ${CLI}`;
  const sshOpts = [
    '-i',
    sshd.identity,
    '-P',
    String(sshd.port),
    '-o',
    `UserKnownHostsFile=${sshd.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
  ];
  const ours: number[] = [];
  const manual: number[] = [];
  ctx.log(loadLine());
  try {
    const pushOurs = async (i: number) => {
      const storeA = join(dir, `ours-${i}`);
      await initStore(storeA);
      const t0 = performance.now();
      const r = await mustRun(
        process.execPath,
        [
          CLI,
          'push',
          ctx.bundle,
          '--to',
          `sftp://root@127.0.0.1:${sshd.port}${storeA}`,
          '--identity',
          sshd.identity,
          '--host-key',
          sshd.hostKeyFingerprint,
          '--remote-command',
          remote,
          '--json',
        ],
        { keep: 4096 },
      );
      ours.push(performance.now() - t0);
      const doc = JSON.parse(r.stdout) as { ok: boolean };
      if (!doc.ok) throw new Error(`push failed: ${r.stdout}`);
      await rm(storeA, { recursive: true, force: true });
    };
    const byHand = async (i: number) => {
      const storeB = join(dir, `manual-${i}`);
      await initStore(storeB);
      const batch = join(dir, `batch-${i}`);
      await writeFile(batch, `put ${ctx.bundle} ${storeB}/inbox/posture-offline.zip\n`);
      const t1 = performance.now();
      await mustRun(process.execPath, [CLI, 'inspect', ctx.bundle, '--json'], { keep: 1024 });
      await mustRun('sftp', ['-q', '-b', batch, ...sshOpts, 'root@127.0.0.1']);
      const sshArgs = [
        '-i',
        sshd.identity,
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${sshd.knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        'root@127.0.0.1',
      ];
      await mustRun('ssh', [...sshArgs, `${remote} agent apply --store ${storeB} posture-offline.zip --json`], { keep: 4096 });
      manual.push(performance.now() - t1);
      await rm(storeB, { recursive: true, force: true });
    };
    // alternating which goes first, as every other pair of the bench: a warming cache or a busy neighbour favours neither
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        await pushOurs(i);
        await byHand(i);
      } else {
        await byHand(i);
        await pushOurs(i);
      }
    }
  } finally {
    await sshd.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const o = median(ours);
  const m = median(manual);
  const ratio = o / m;
  ctx.log(`push: ${fmt(mb(size), 1)} MB over SFTP to a real sshd, ${RUNS} runs each, medians`);
  ctx.log(
    `  posture-stage push (check, upload with the node hashing as it arrives, rename, apply): ${fmt(o / 1000)} s (${fmt(mb(size) / (o / 1000), 1)} MB/s end to end)`,
  );
  ctx.log(`  by hand (inspect + sftp -b put + ssh agent apply):              ${fmt(m / 1000)} s`);
  ctx.log(`  runs: ours ${ours.map((x) => fmt(x / 1000)).join(', ')} · by hand ${manual.map((x) => fmt(x / 1000)).join(', ')}`);
  ctx.log(`  ratio ours/by-hand ${fmt(ratio)} (target ≤ ${fmt(TARGET)}) ${verdict(ratio <= TARGET)}`);
  ctx.log(loadLine());
}
