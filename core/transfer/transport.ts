/**
 * What the node client needs from a way of reaching a node: run one agent call, upload one file into the
 * store's inbox (verified by the node), send a bundle's custody document, download a bundle kept for ISE, close. Two of them: HTTPS (the agent's API) and SSH (SFTP + the
 * node's own CLI over the same connection).
 */
import type { InboxVerification } from '../agent/types.js';
import type { AgentCall } from './calls.js';
import type { CustodyDocument } from '../custody/document.js';

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

/** A bundle kept on the node for ISE, fetched into a new local file and verified by its SHA-256. */
export interface DownloadRequest {
  sha256: string;
  size: number;
  /** the local file to create (it must not exist) */
  to: string;
  onProgress?: (done: number, total: number, rate: number) => void;
  signal?: AbortSignal;
}

/** What the node said about a custody document it took (HTTPS: the signer it verified; SFTP: verified at apply). */
export interface CustodySent {
  sha256: string;
  signer: { fingerprint: string; comment: string } | null;
}

export interface Transport {
  /** https://host:port or sftp://user@host:port/store */
  readonly display: string;
  call<T>(call: AgentCall<T>, signal?: AbortSignal): Promise<T>;
  upload(req: UploadRequest): Promise<Uploaded>;
  /** HTTPS `GET /api/v1/staged/{sha256}`; SSH: SFTP read of `<store>/staged/<sha256>.zip` */
  download(req: DownloadRequest): Promise<{ sha256: string; size: number }>;
  /** HTTPS `PUT /api/v1/custody/{sha256}`; SSH: `inbox/<sha256>.custody.json` via a temporary name + rename */
  putCustody(sha256: string, document: CustodyDocument, signal?: AbortSignal): Promise<CustodySent>;
  close(): Promise<void>;
}
