/**
 * The node client: one connection to one node, over HTTPS (the agent's API) or SSH (SFTP + the node's
 * own CLI), with one set of methods, one decoding of answers and refusals (answers.ts) and one set of
 * timeouts. Everything that talks to a node — push, diff against a node, "Test connection", the app's
 * node panel — goes through here. Adding a node call is one entry in calls.ts and one method below.
 */
import type {
  HistoryEntry,
  InboxVerification,
  NodeContentAnswer,
  NodePolicy,
  NodeStatus,
  RollbackResult,
  ApplyResult,
  StagedBundle,
} from '../agent/types.js';
import type { CustodyDocument } from '../custody/document.js';
import { calls } from './calls.js';
import { openHttpsTransport } from './https-transport.js';
import { openSshTransport } from './ssh-transport.js';
import type { NodeTarget } from './target.js';
import type { CustodySent, DownloadRequest, Transport, UploadRequest, Uploaded } from './transport.js';

/** Options of every call: `signal` cancels it on the wire (undici's request, the SSH connection). */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface ApplyOptions {
  dryRun?: boolean;
  allowDowngrade?: boolean;
}

/** An open connection to one node. Close it when done (`withNode` does). */
export class NodeConnection {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** https://host:port or sftp://user@host:port/store */
  get display(): string {
    return this.#transport.display;
  }

  /** ISE's Update Information of the node. */
  status(opts: CallOptions = {}): Promise<NodeStatus> {
    return this.#transport.call(calls.status(), opts.signal);
  }

  /** Every apply attempt, rollback and policy change, newest first. */
  async history(opts: CallOptions = {}): Promise<HistoryEntry[]> {
    return (await this.#transport.call(calls.history(), opts.signal)).updates;
  }

  /** The last `lines` lines of the node's ise-psc.log. */
  async log(lines: number, opts: CallOptions = {}): Promise<string[]> {
    return (await this.#transport.call(calls.log(lines), opts.signal)).lines;
  }

  /** The installed content (what `diff` against a node compares with) and the status. */
  content(opts: CallOptions = {}): Promise<NodeContentAnswer> {
    return this.#transport.call(calls.content(), opts.signal);
  }

  /** Uploads `file` into the store's inbox under `name`; resolves once the node verified size and SHA-256. */
  upload(req: UploadRequest): Promise<Uploaded> {
    return this.#transport.upload(req);
  }

  /** Size and SHA-256 of a file in the store's inbox, computed on the node. */
  verify(file: string, opts: CallOptions = {}): Promise<InboxVerification> {
    return this.#transport.call(calls.verify(file), opts.signal);
  }

  /**
   * Applies a bundle from the store's inbox; the node checks it again (a bundle refused locally is refused
   * there too). Once sent, an apply is never abandoned half-way by us: give no signal to wait for its answer.
   */
  apply(file: string, opts: ApplyOptions & CallOptions = {}): Promise<ApplyResult> {
    return this.#transport.call(calls.apply(file, opts), opts.signal);
  }

  /** Restores the state before the last apply. */
  rollback(opts: CallOptions = {}): Promise<RollbackResult> {
    return this.#transport.call(calls.rollback(), opts.signal);
  }

  /** The bundles the node keeps for ISE (staged, or applied there), newest first. */
  async staged(opts: CallOptions = {}): Promise<StagedBundle[]> {
    return (await this.#transport.call(calls.staged(), opts.signal)).staged;
  }

  /**
   * Fetches a bundle the node keeps for ISE into a new local file (HTTPS `GET /api/v1/staged/{sha256}`, SSH: an
   * SFTP read of the store's staged/ copy); resolves once its size and SHA-256 are the ones given.
   */
  download(req: DownloadRequest): Promise<{ sha256: string; size: number }> {
    return this.#transport.download(req);
  }

  /** Sends a bundle's custody document before the bundle, so a node with trusted signers takes it. */
  custody(sha256: string, document: CustodyDocument, opts: CallOptions = {}): Promise<CustodySent> {
    return this.#transport.putCustody(sha256, document, opts.signal);
  }

  /** The default policies, requirements and remediations installed on the node. */
  async policies(opts: CallOptions = {}): Promise<NodePolicy[]> {
    return (await this.#transport.call(calls.policies(), opts.signal)).policies;
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}

/**
 * Opens a connection: for SSH the login happens here (host key, then credentials; nothing is sent to an
 * unknown or changed key), for HTTPS at the first call (the certificate pin is checked before any byte).
 */
export async function openNode(target: NodeTarget, opts: CallOptions = {}): Promise<NodeConnection> {
  return new NodeConnection(target.kind === 'https' ? await openHttpsTransport(target) : await openSshTransport(target, opts.signal));
}

/** Runs `fn` on a connection to `target` and closes it whatever happens. */
export async function withNode<T>(target: NodeTarget, fn: (node: NodeConnection) => Promise<T>, opts: CallOptions = {}): Promise<T> {
  const node = await openNode(target, opts);
  try {
    return await fn(node);
  } finally {
    await node.close();
  }
}
