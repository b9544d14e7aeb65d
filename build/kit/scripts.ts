/**
 * The service files and maintainer/installer scripts of the kit, from build/kit/files/: the shared
 * user-and-first-init part (setup.sh) is inserted into the .deb's postinst and the .tar.gz's install.sh,
 * so both install the same user, paths and store the same way.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface KitFiles {
  /** posture-stage-agent.service with ExecStart in `bindir` */
  unit: (bindir: string) => string;
  defaults: string;
  postinst: string;
  prerm: string;
  postrm: string;
  installSh: string;
}

/** Reads build/kit/files/ of the clone at `root`. */
export async function readKitFiles(root: string): Promise<KitFiles> {
  const dir = join(root, 'build', 'kit', 'files');
  const read = (name: string) => readFile(join(dir, name), 'utf8');
  const setup = (await read('setup.sh')).trimEnd();
  const withSetup = async (name: string) => {
    const text = await read(name);
    if (!text.includes('@SETUP@')) throw new Error(`${name} has no @SETUP@ line`);
    return text.replace('@SETUP@', setup);
  };
  const unit = await read('posture-stage-agent.service');
  return {
    unit: (bindir) => unit.replaceAll('@BINDIR@', bindir),
    defaults: await read('posture-stage-agent.default'),
    postinst: await withSetup('postinst'),
    prerm: await read('prerm'),
    postrm: await read('postrm'),
    installSh: await withSetup('install.sh'),
  };
}
