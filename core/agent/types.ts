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

/** `PUT /api/v1/bundle` and `agent apply --json` minus `ok`. */
export interface ApplyResult {
  sha256: string;
  applied: AppliedComponent[];
  skipped: SkippedComponent[];
  status: NodeStatus;
  dryRun?: boolean;
  /** default policies/requirements/remediations created by this apply (first successful apply only) */
  createdDefaults?: string[];
}

export interface HistoryEntry {
  at: string;
  sha256: string;
  /** 'policy-delete' is our addition (`agent policies delete`) */
  mode: 'apply' | 'dry-run' | 'rollback' | 'policy-delete';
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
