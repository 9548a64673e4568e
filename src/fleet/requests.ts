// A node request is a row inserted before the provider is asked (so a crash cannot leave a node no row
// knows); it gets the provider's id when the create answers. A request without an id after its pass
// ended lost that answer: its process died, or the create failed before it named any node. The next
// pass resolves it: the node made for it, found by its tags (or its name), is adopted; without one it
// is given up, billed as nothing. Nodes no row knows at all are recorded as found, so that they are
// counted, billed and removed like any other.
import { type FleetNode, tagKeys } from "./provider.ts";
import type { NodeRow } from "./store.ts";

const pendingMark = "-pending-";

/** The row name of a request for a node named `${prefix}-…`. */
export function requestName(prefix: string, suffix: string): string {
  return `${prefix}${pendingMark}${suffix}`;
}

/** The name prefix of the nodes a request row stands for; null for a row that is not a request. */
export function requestPrefix(rowName: string): string | null {
  const at = rowName.lastIndexOf(pendingMark);
  return at < 0 ? null : `${rowName.slice(0, at)}-`;
}

export type NodeLike = Pick<FleetNode, "id" | "name" | "tags">;

export interface Resolution<N extends NodeLike> {
  /** Requests whose node exists: the row takes the node's id. */
  adopt: Array<{ row: NodeRow; node: N }>;
  /** Requests no node answers: nothing was made for them. */
  giveUp: NodeRow[];
  /** Our nodes no row knows and no request can take. */
  found: N[];
}

/**
 * Matches request rows (live rows without a provider id) with our nodes that no row knows (`known`
 * holds every provider id a row has): same cycle tag, or, for a node not yet tagged, a name made from
 * the request's prefix. Data-role nodes are never compute requests.
 */
export function resolveRequests<N extends NodeLike>(
  rows: readonly NodeRow[],
  nodes: readonly N[],
  known: ReadonlySet<string>,
): Resolution<N> {
  const unknown = nodes.filter((n) => !known.has(n.id) && n.tags[tagKeys.role] !== "data");
  const adopt: Resolution<N>["adopt"] = [];
  const giveUp: NodeRow[] = [];
  for (const row of rows.filter((r) => r.providerId === null)) {
    const prefix = requestPrefix(row.name);
    const at = unknown.findIndex((n) => {
      const cycle = n.tags[tagKeys.cycle];
      return cycle !== undefined ? cycle === row.cycle : prefix !== null && n.name.startsWith(prefix);
    });
    if (at < 0) giveUp.push(row);
    else adopt.push({ row, node: unknown.splice(at, 1)[0]! });
  }
  return { adopt, giveUp, found: unknown };
}

/** The cycle a found node's row is filed under when the node carries no cycle tag. */
export const untaggedCycle = "(no cycle tag)";
