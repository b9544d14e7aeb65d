/**
 * What the handlers share: the data folder, the stores, the job registry, and the capabilities the
 * shell injects (secret storage, a directory picker). Nothing here imports electron, so the
 * `posture-stage ui` host builds the same context with file-based secrets and no dialogs.
 */
import { join } from 'node:path';
import { openLibrary, type BundleLibrary } from '../../library/index.js';
import { ActivityLog } from '../activity.js';
import { JobRegistry } from '../jobs.js';
import type { SecretBox } from '../secrets.js';
import { SettingsStore } from '../settings-store.js';
import { TargetStore } from '../targets-store.js';
import { LabNode } from '../lab.js';
import { InspectionCache } from '../inspection-cache.js';
import { LibraryWatch } from '../library-watch.js';
import { appLibrary } from '../app-library.js';

/** Injected by the shell (Electron main or the CLI's ui host). */
export interface Capabilities {
  home: string;
  shell: 'electron' | 'browser';
  secrets: SecretBox;
  /** a native folder picker; null in a browser (the UI then asks for a path) */
  chooseDirectory?: () => Promise<string | null>;
  /** a native file picker (keys); null in a browser (the UI then asks for a path or reads the file itself) */
  chooseFile?: (purpose: FilePurpose) => Promise<string | null>;
}

/** What a file is picked for: the picker's title and starting folder follow it. */
export type FilePurpose = 'signing-key' | 'trusted-key' | 'ssh-key';

export interface HandlerContext extends Capabilities {
  /** the library at Settings' location (default: the data folder, shared with the CLI) */
  readonly library: BundleLibrary;
  activity: ActivityLog;
  jobs: JobRegistry;
  targets: TargetStore;
  settings: SettingsStore;
  lab: LabNode;
  inspections: InspectionCache;
  /** the library folder's change counter and damaged-copy finder */
  libraryWatch: LibraryWatch;
  /** stops the lab node and waits for running jobs */
  dispose(): Promise<void>;
}

/** Builds the context for one app session. */
export function createContext(caps: Capabilities): HandlerContext {
  const jobs = new JobRegistry();
  const lab = new LabNode(join(caps.home, 'lab-node'));
  const settings = new SettingsStore(caps.home, caps.secrets);
  const libraryWatch = new LibraryWatch();
  return {
    ...caps,
    get library() {
      return appLibrary(openLibrary(settings.get().libraryDir || caps.home));
    },
    libraryWatch,
    activity: new ActivityLog(caps.home),
    jobs,
    targets: new TargetStore(caps.home, caps.secrets),
    settings,
    lab,
    inspections: new InspectionCache(),
    async dispose() {
      libraryWatch.close();
      await jobs.settle();
      await lab.stop();
    },
  };
}
