/**
 * A node's agent against this app (issue 13 §2): the kit a node is prepared with is this app's version, so an
 * agent that reports an older one is offered the kit. Versions are `MAJOR.MINOR.PATCH[-pre][+build]`; a
 * pre-release is older than its release; an agent too old to report a version is older than every one.
 */

/** How the agent's version compares with `app`'s: "unknown" when either is not a version at all. */
type AgentVsApp = 'older' | 'same' | 'newer' | 'unknown';

const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function parse(v: string): { nums: number[]; pre: string | null } | null {
  const m = VERSION_RE.exec(v.trim());
  if (!m) return null;
  return { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ?? null };
}

/** `agent` (null: the node's agent predates reporting its version) compared with the app's version. */
export function compareAgentVersion(agent: string | null, app: string): AgentVsApp {
  const b = parse(app);
  if (!b) return 'unknown';
  if (agent === null) return 'older';
  const a = parse(agent);
  if (!a) return 'unknown';
  for (let i = 0; i < 3; i++) {
    const d = (a.nums[i] ?? 0) - (b.nums[i] ?? 0);
    if (d !== 0) return d < 0 ? 'older' : 'newer';
  }
  if (a.pre === b.pre) return 'same';
  if (a.pre === null) return 'newer';
  if (b.pre === null) return 'older';
  return a.pre.localeCompare(b.pre, 'en', { numeric: true }) < 0 ? 'older' : 'newer';
}
