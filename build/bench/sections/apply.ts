/**
 * Bench section "apply": apply time of the `sample --scale 100` bundle on a fresh node store, and the
 * agent's HTTPS upload throughput with our client (undici streaming PUT) against `curl -T` to the same
 * agent in the same run (target: ours ≥ 0.9 × curl).
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { BenchContext } from '../run.js';
import { timed } from '../util.js';
import { initStore, applyBundle, startAgentServer } from '../../../core/agent/index.js';
import { writeBundle } from '../../../core/bundle/index.js';

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number) => bytes / 1024 / 1024;

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** Bench section "apply". */
export async function benchApply(ctx: BenchContext): Promise<void> {
  if (!(await stat(ctx.bundle).catch(() => null))) {
    ctx.log('apply: inspect section wrote no bundle; writing sample --scale 100 here');
    await writeFile(ctx.bundle, await writeBundle({ scale: 100 }));
  }
  const size = (await stat(ctx.bundle)).size;
  const sha = await sha256File(ctx.bundle);

  const dryStore = (await initStore(join(ctx.dir, 'apply-dry'))).store;
  const dry = await timed(() => applyBundle(dryStore, ctx.bundle, { dryRun: true, who: 'bench' }));
  const store = (await initStore(join(ctx.dir, 'apply-store'))).store;
  const full = await timed(() => applyBundle(store, ctx.bundle, { who: 'bench' }));
  const same = await timed(() => applyBundle(store, ctx.bundle, { who: 'bench' }));
  ctx.log(`apply: bundle ${mb(size).toFixed(1)} MB, ${full.value.applied.length} components applied`);
  ctx.log(
    `apply: first apply ${(full.ms / 1000).toFixed(2)} s (${(mb(size) / (full.ms / 1000)).toFixed(1)} MB/s) · dry run ${(dry.ms / 1000).toFixed(2)} s · same-version re-apply ${(same.ms / 1000).toFixed(2)} s (check only, nothing written)`,
  );

  // upload: the same agent, the same file, alternating clients
  const server = await startAgentServer({ store, port: 0, log: () => undefined });
  const cert = join(store, 'tls', 'cert.pem');
  const headerFile = join(ctx.dir, 'curl-headers.txt');
  await mkdir(ctx.dir, { recursive: true });
  await writeFile(headerFile, `Authorization: Bearer ${server.token}\nX-Content-SHA256: ${sha}\nContent-Type: application/zip\n`, {
    mode: 0o600,
  });
  const dispatcher = new Agent({ connect: { ca: await readFile(cert, 'utf8') } });
  const ours: number[] = [];
  const curl: number[] = [];
  try {
    const uploadOurs = async () => {
      const res = await request(`${server.url}/api/v1/inbox/bench-undici.zip`, {
        method: 'PUT',
        dispatcher,
        headers: {
          authorization: `Bearer ${server.token}`,
          'x-content-sha256': sha,
          'content-type': 'application/zip',
          'content-length': String(size),
        },
        body: createReadStream(ctx.bundle, { highWaterMark: 1024 * 1024 }),
      });
      const body = (await res.body.json()) as { ok: boolean; sha256?: string };
      if (res.statusCode !== 200 || body.sha256 !== sha) throw new Error(`undici upload failed: ${res.statusCode} ${JSON.stringify(body)}`);
    };
    const uploadCurl = async () => {
      const r = await run('curl', [
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
      if (r.code !== 0 || !r.out.includes(sha)) throw new Error(`curl upload failed (${r.code}): ${r.out.slice(0, 300)}`);
    };
    // alternate who goes first, so a warming disk cache or a busy neighbour favours neither
    for (let i = 0; i < RUNS; i++) {
      if (i % 2 === 0) {
        ours.push((await timed(uploadOurs)).ms);
        curl.push((await timed(uploadCurl)).ms);
      } else {
        curl.push((await timed(uploadCurl)).ms);
        ours.push((await timed(uploadOurs)).ms);
      }
    }
  } finally {
    await dispatcher.close();
    await server.close();
  }
  const oursRate = mb(size) / (median(ours) / 1000);
  const curlRate = mb(size) / (median(curl) / 1000);
  ctx.log(
    `apply: HTTPS upload to the agent (median of ${RUNS}): ours (undici streaming PUT) ${oursRate.toFixed(1)} MB/s · curl -T ${curlRate.toFixed(1)} MB/s`,
  );
  ctx.log(
    `apply: upload ratio ours/curl ${(oursRate / curlRate).toFixed(2)} (target ≥ 0.90) ${oursRate / curlRate >= 0.9 ? 'OK' : 'BELOW TARGET'}`,
  );
}
