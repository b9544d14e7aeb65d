/**
 * The .tar.gz for hosts without dpkg: one folder `posture-stage-<version>/` with the executable, the
 * unit, the defaults file, install.sh, INSTALL.txt and Node's LICENSE; owned by root, written with
 * tar-stream so modes and owners do not depend on the build machine.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  mode: number;
  /** file contents, or the path of a file to stream */
  data: string | Buffer | { path: string };
}

/** Writes `out` with the entries under `folder/`. */
export async function writeTarGz(out: string, folder: string, entries: TarEntry[], mtime: Date): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createGzip({ level: 6 }), createWriteStream(out));
  const common = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime };
  pack.entry({ ...common, name: `${folder}/`, type: 'directory', mode: 0o755 });
  for (const e of entries) {
    const name = `${folder}/${e.name}`;
    if (typeof e.data === 'string' || Buffer.isBuffer(e.data)) {
      const data = e.data;
      await new Promise<void>((res, rej) => pack.entry({ ...common, name, mode: e.mode }, data, (err) => (err ? rej(err) : res())));
    } else {
      const { size } = await stat(e.data.path);
      const sink = pack.entry({ ...common, name, mode: e.mode, size });
      await pipeline(createReadStream(e.data.path), sink);
    }
  }
  pack.finalize();
  await done;
}
