/**
 * A node's current content, fetched over HTTPS (GET /api/v1/content) or SFTP/SSH
 * (`CMD agent status --store DIR --content --json`), for `diff https://…|sftp://… BUNDLE`.
 */
import type { NodeContentState } from '../bundle/types.js';
import { CoreError } from '../errors.js';

export interface NodeTargetOptions {
  tokenFile?: string;
  fingerprint?: string;
  identity?: string;
  passwordEnv?: string;
  hostKey?: string;
  remoteCommand?: string;
  ca?: string[];
}

/** To be implemented by the transfer module. */
export async function fetchNodeContent(target: string, opts: NodeTargetOptions = {}): Promise<NodeContentState> {
  void target; void opts;
  throw new CoreError('INTERNAL', 'fetchNodeContent: not implemented yet');
}
