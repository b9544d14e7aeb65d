/**
 * The node agent's answers (interfaces.md "Node agent HTTPS API"); field names are fixed there.
 * Type-only module: the renderer and the transfer code import these types.
 */
import type { ComponentId, Versions, NodeContentState } from '../bundle/types.js';

/** `GET /api/v1/status` minus `ok`, and `agent status --json`. */
export interface NodeStatus {
  versions: Versions;
  /** "YYYY/MM/DD HH:MM:SS" or null ("No Update since Installation") */
  lastSuccessfulUpdate: string | null;
  /** ISE's words, e.g. "Last update attempt at 2025/03/13 14:24:50 was successful" */
  lastUpdateStatus: string;
  updateMode: 'Offline';
  defaultPoliciesCreated: boolean;
  updating: boolean;
  /** our additions */
  name?: string;
  defaultPolicies?: string[];
  /** the agent's own version (`posture-stage --version`), so the app can offer a newer node kit */
  agentVersion?: string;
}

export interface AppliedComponent {
  component: ComponentId;
  from: string;
  to: string;
}

export interface SkippedComponent {
  component: ComponentId;
  version: string;
  reason: 'same-version' | 'dry-run';
}

/**
 * A bundle kept on the node for the hand-off to ISE (`agent staged`, `GET /api/v1/staged`; interfaces.md):
 * an unknown-layout bundle staged as a verified opaque file, or a reference-layout bundle this node applied.
 */
export interface StagedBundle {
  sha256: string;
  size: number;
  layout: 'reference' | 'unknown';
  /** ISO time it was first kept */
  stagedAt: string;
  /** token name or SSH user */
  by: string;
  /** who signed its transfer manifest (a node with trusted signers), as history records it */
  signer?: { name: string; fingerprint: string; signedAt: string };
  /** our additions: the name it arrived under; staged (unknown layout) or what the apply did; the five versions (reference layout) */
  file?: string;
  outcome: 'staged' | 'applied' | 'skipped';
  versions?: Versions;
}

/** What a push or apply did on the node (interfaces.md push `outcome`; `refused` is the pusher's word for a refusal). */
export type ApplyOutcome = 'applied' | 'staged' | 'skipped';

/** `PUT /api/v1/bundle` and `agent apply --json` minus `ok`. */
export interface ApplyResult {
  sha256: string;
  applied: AppliedComponent[];
  skipped: SkippedComponent[];
  status: NodeStatus;
  dryRun?: boolean;
  /** default policies/requirements/remediations created by this apply (first successful apply only) */
  createdDefaults?: string[];
  /** applied (something newer), skipped (nothing newer: a same-version re-push), staged (unknown layout); absent from older nodes */
  outcome?: ApplyOutcome;
  /** where the node keeps the bundle for the hand-off to ISE; `already` when that SHA-256 was kept before (idempotent) */
  staged?: StagedBundle & { already: boolean };
}

export interface HistoryEntry {
  at: string;
  sha256: string;
  /** 'policy-delete' (`agent policies delete`) and 'stage' (an unknown-layout bundle kept for ISE, never applied) are our additions */
  mode: 'apply' | 'dry-run' | 'rollback' | 'policy-delete' | 'stage';
  applied: AppliedComponent[];
  skipped?: SkippedComponent[];
  result: 'success' | 'refused' | 'failed';
  error?: { code: string; message: string };
  /** token name or SSH user */
  who: string;
  /** our additions: bundle file name, default policies created, policy deleted */
  file?: string;
  createdDefaults?: string[];
  policy?: string;
  /** rollback: how many states back it went */
  steps?: number;
  /** apply on a node with trusted signers: who signed the transfer manifest (custody.ts) */
  custody?: { signer: string; fingerprint: string; signedAt: string };
  /** stage: the layout, and whether this SHA-256 was already staged (nothing changed) */
  layout?: 'reference' | 'unknown';
  already?: boolean;
  /** SHA-256 (hex) of the previous line of history.jsonl, or the genesis value on the first line (history.ts) */
  prev?: string;
}

/** `GET /api/v1/content` (our addition): what `diff` against a node compares with. */
export interface NodeContentAnswer {
  status: NodeStatus;
  state: NodeContentState;
}

/** A default policy, requirement or remediation installed on the node (`GET /api/v1/policies`, our addition). */
export interface NodePolicy {
  name: string;
  kind: 'policy' | 'requirement' | 'remediation';
  createdAt: string;
}

/** `agent verify --json` minus `ok` (our addition, used by the SFTP pusher). */
export interface InboxVerification {
  file: string;
  size: number;
  sha256: string;
}

/** `rollback` answer minus `ok`. */
export interface RollbackResult {
  restored: { versions: NodeStatus['versions'] };
  /** our additions: steps gone back, the new current state's id */
  steps?: number;
  state?: string;
  status: NodeStatus;
}
