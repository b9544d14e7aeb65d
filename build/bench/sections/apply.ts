/**
 * Bench section "apply": the first apply of the `sample --scale 100` bundle on fresh node stores, its dry
 * run (the check alone) and a same-version re-apply; the apply's copy path — the payload files the check wrote
 * as it verified them, renamed into the new state with one fsync each — against `cp` + `sync` of the same
 * payload bytes on the same disk (target ≤ 1.5×); and the HTTPS upload of our node client (core/transfer,
 * the code `push` runs) against `curl -T` to the same agent, run as `agent serve` in its own process
 * (target ours ≥ 1.0 × curl). Every pair is measured in the same run, alternating which goes first.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from '../run.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { initStore, applyBundle, readToken } from '../../../core/agent/index.js';
import { withNode } from '../../../core/transfer/index.js';
import { CLI, fmt, loadLine, mb, median, mustRun, paired, secondsWithRuns, timed, verdict } from '../util.js';

const RUNS = 3;
const UPLOAD_RUNS = 15;
const COPY_TARGET = 1.5;
const UPLOAD_TARGET = 1.0;

/** `posture-stage agent serve` on a free loopback port, in its own process; resolves once it listens. */
async function serveAgent(store: string): Promise<{ url: string; port: number; fingerprint: string; stop: () => void }> {
  const child = spawn(process.execPath, [CLI, 'agent', 'serve', '--store', store, '--listen', '127.0.0.1:0', '--json'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const doc = JSON.parse(line) as { ok: boolean; url: string; port: number; fingerprint: string };
    if (!doc.ok) break;
    return { url: doc.url, port: doc.port, fingerprint: doc.fingerprint, stop: () => void child.kill('SIGTERM') };
  }
  child.kill('SIGTERM');
  throw new Error('agent serve did not start');
}

/** Bench section "apply". */
export async function benchApply(ctx: BenchContext): Promise<void> {
  const size = (await stat(ctx.bundle)).size;
  const sha = (await mustRun('sha256sum', [ctx.bundle])).stdout.slice(0, 64);
  ctx.log(loadLine());

  // the same bytes the apply writes: the payloads, unpacked once beside the stores
  const payloads = join(ctx.dir, 'payloads');
  await mustRun('unzip', ['-q', '-o', ctx.bundle, '-d', payloads, '-x', 'posture-update.xml']);
  const payloadBytes = (await mustRun('du', ['-sb', payloads])).stdout.split('\t')[0];

  let n = 0;
  const firstApply = async () => {
    const store = (await initStore(join(ctx.dir, `apply-${n++}`))).store;
    const dry = await timed(() => applyBundle(store, ctx.bundle, { dryRun: true, who: 'bench' }));
    let commit = NaN;
    const full = await timed(() =>
      applyBundle(store, ctx.bundle, { who: 'bench', onTiming: (step, ms) => void (step === 'commit' && (commit = ms)) }),
    );
    if (full.value.applied.length !== 6) throw new Error(`the first apply applied ${full.value.applied.length} components`);
    const same = await timed(() => applyBundle(store, ctx.bundle, { who: 'bench' }));
    await rm(store, { recursive: true, force: true });
    return { dry: dry.ms, full: full.ms, same: same.ms, commit };
  };
  const copy = async () => {
    const to = join(ctx.dir, `cp-${n++}`);
    await mkdir(to);
    const r = await mustRun('sh', ['-c', `cp -r "${payloads}"/. "${to}"/ && sync`]);
    await rm(to, { recursive: true, force: true });
    return r.ms;
  };
  const { a: applies, b: copies } = await paired(RUNS, firstApply, copy);
  const copyPath = applies.map((r) => r.commit);
  const ratio = median(copyPath) / median(copies);
  ctx.log(`apply: bundle ${fmt(mb(size), 1)} MB, payloads ${fmt(mb(Number(payloadBytes)), 1)} MB, 6 components applied on a fresh store`);
  ctx.log(
    `apply: first apply ${secondsWithRuns(applies.map((r) => r.full))} · ${fmt(mb(size) / (median(applies.map((r) => r.full)) / 1000), 1)} MB/s`,
  );
  ctx.log(`apply: dry run (the check alone, in its worker) ${secondsWithRuns(applies.map((r) => r.dry))}`);
  ctx.log(`apply: same-version re-apply (check only, nothing written) ${secondsWithRuns(applies.map((r) => r.same))}`);
  ctx.log(
    `apply: copy path (checked payload files renamed into the new state, one fsync each; timed inside the first apply) ${secondsWithRuns(copyPath)}`,
  );
  ctx.log(`apply: first apply − dry run (the same, seen from outside; noisy) ${secondsWithRuns(applies.map((r) => r.full - r.dry))}`);
  ctx.log(`apply: cp -r + sync of the same payload bytes ${secondsWithRuns(copies)}`);
  ctx.log(`apply: copy ratio ${fmt(ratio)} (target ≤ ${fmt(COPY_TARGET)}) ${verdict(ratio <= COPY_TARGET)}`);

  // upload: the same agent (its own process, as on a node), the same file, our node client against curl, alternating
  const store = (await initStore(join(ctx.dir, 'upload-store'))).store;
  const server = await serveAgent(store);
  const token = await readToken(store);
  const cert = join(store, 'tls', 'cert.pem');
  const headerFile = join(ctx.dir, 'curl-headers.txt');
  await writeFile(headerFile, `Authorization: Bearer ${token}\nX-Content-SHA256: ${sha}\nContent-Type: application/zip\n`, {
    mode: 0o600,
  });
  try {
    const port = server.port;
    // the HTTPS transport connects (TLS, pin) at its first call, so the handshake is timed here as it is in curl's run
    const ours = () =>
      withNode({ kind: 'https', host: '127.0.0.1', port, origin: server.url, token, fingerprint: server.fingerprint }, async (node) => {
        const t = await timed(() => node.upload({ file: ctx.bundle, size, sha256: sha, name: 'bench-ours.zip' }));
        if (t.value.sha256 !== sha) throw new Error('our upload did not verify');
        return t.ms;
      });
    const curl = async () => {
      const r = await mustRun('curl', [
        '-sS',
        '--fail-with-body',
        '--cacert',
        cert,
        '-H',
        `@${headerFile}`,
        '-T',
        ctx.bundle,
        `${server.url}/api/v1/inbox/bench-curl.zip`,
      ]);
      if (!r.stdout.includes(sha)) throw new Error(`curl upload failed: ${r.stdout.slice(0, 300)}`);
      return r.ms;
    };
    const { a, b } = await paired(UPLOAD_RUNS, ours, curl);
    const oursRate = mb(size) / (median(a) / 1000);
    const curlRate = mb(size) / (median(b) / 1000);
    const up = oursRate / curlRate;
    ctx.log(
      `upload: HTTPS to the agent, medians of ${UPLOAD_RUNS}: ours (node client, streaming PUT) ${fmt(oursRate, 1)} MB/s · curl -T ${fmt(curlRate, 1)} MB/s`,
    );
    ctx.log(`upload: ratio ours/curl ${fmt(up)} (target ≥ ${fmt(UPLOAD_TARGET)}) ${verdict(up >= UPLOAD_TARGET)}`);
  } finally {
    server.stop();
    await rm(store, { recursive: true, force: true });
    await rm(payloads, { recursive: true, force: true });
  }
  ctx.log(loadLine());
}
