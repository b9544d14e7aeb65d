/**
 * A throttled TCP proxy on loopback: what the client sends reaches the target at most `bytesPerSecond`
 * (answers pass at full speed). In front of a node agent it makes an upload slow enough to cancel half-way,
 * with the real TLS and the real agent behind it.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface SlowProxy {
  port: number;
  /** bytes passed to the target so far */
  forwarded(): number;
  close(): Promise<void>;
}

export async function startSlowProxy(target: { host: string; port: number }, bytesPerSecond: number): Promise<SlowProxy> {
  const sockets = new Set<Socket>();
  let forwarded = 0;
  const TICK_MS = 50;
  const server = createServer((client) => {
    const upstream = connect(target);
    sockets.add(client).add(upstream);
    const queue: Buffer[] = [];
    let queued = 0;
    const timer = setInterval(() => {
      let budget = Math.max(1, Math.floor((bytesPerSecond * TICK_MS) / 1000));
      while (budget > 0 && queue.length > 0) {
        const head = queue[0] as Buffer;
        const part = head.subarray(0, budget);
        upstream.write(part);
        forwarded += part.length;
        budget -= part.length;
        queued -= part.length;
        if (part.length === head.length) queue.shift();
        else queue[0] = head.subarray(part.length);
      }
      if (queued < 64 * 1024 && client.isPaused()) client.resume();
    }, TICK_MS);
    client.on('data', (chunk: Buffer) => {
      queue.push(chunk);
      queued += chunk.length;
      if (queued > 256 * 1024) client.pause();
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      clearInterval(timer);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    forwarded: () => forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
