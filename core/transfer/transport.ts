/**
 * What the node client needs from a way of reaching a node: run one agent call, upload one file into the
 * store's inbox (verified by the node), close. Two of them: HTTPS (the agent's API) and SSH (SFTP + the
 * node's own CLI over the same connection).
 */
import type { InboxVerification } from '../agent/types.js';
import type { AgentCall } from './calls.js';

export interface UploadRequest {
  /** the local bundle */
  file: string;
  size: number;
  sha256: string;
  /** its name in the store's inbox */
  name: string;
  onProgress?: (done: number, total: number, rate: number) => void;
  /** every byte is out; the node now checks size and SHA-256 */
  onVerify?: () => void;
  signal?: AbortSignal;
}

/** The inbox file as the node verified it; `resumedFrom` when an earlier cut upload was continued. */
export type Uploaded = InboxVerification & { resumedFrom?: number };

export interface Transport {
  /** https://host:port or sftp://user@host:port/store */
  readonly display: string;
  call<T>(call: AgentCall<T>, signal?: AbortSignal): Promise<T>;
  upload(req: UploadRequest): Promise<Uploaded>;
  close(): Promise<void>;
}
