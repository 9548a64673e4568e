// Node states as ecFlow computes them. A container's state is the most significant state of its
// children: aborted > active > submitted > queued > complete > unknown (ecFlow's
// theComputedNodeState). Suspension is a flag beside the state, as in ecFlow: a suspended node
// keeps its state for its parents and shows as `suspended`.
import type { Node, NodeRuntime, NodeState, RuntimeState } from "../model/types.ts";

/** Higher is more significant when computing a parent's state. */
export const STATE_SIGNIFICANCE: Record<NodeState, number> = {
  unknown: 0,
  complete: 1,
  queued: 2,
  suspended: 2, // a node stored as "suspended" without its underlying state counts as queued
  submitted: 3,
  active: 4,
  aborted: 5,
};

/** The most significant of some states (unknown if none). */
export function mostSignificant(states: Iterable<NodeState>): NodeState {
  let best: NodeState = "unknown";
  for (const s of states) {
    const v = s === "suspended" ? "queued" : s;
    if (STATE_SIGNIFICANCE[v] > STATE_SIGNIFICANCE[best]) best = v;
  }
  return best;
}

/** A task's stored state, or a container's computed from its children (recursively). */
export function nodeState(node: Node, runtime: RuntimeState): NodeState {
  if (node.kind === "task" || node.children.length === 0) {
    const s = runtime.nodes.get(node.path)?.state ?? "unknown";
    return s === "suspended" ? "queued" : s;
  }
  return mostSignificant(node.children.map((c) => nodeState(c, runtime)));
}

/** What ecflow_ui shows: `suspended` when the node is suspended, else its state. */
export function displayState(node: Node, runtime: RuntimeState): NodeState {
  const rt = runtime.nodes.get(node.path);
  if (rt?.suspended || rt?.state === "suspended") return "suspended";
  return nodeState(node, runtime);
}

/** Whether the node or one of its ancestors is suspended. */
export function suspendedAncestor(node: Node, runtime: RuntimeState): Node | undefined {
  for (let n: Node | undefined = node; n; n = n.parent) {
    const rt = runtime.nodes.get(n.path);
    if (rt?.suspended || rt?.state === "suspended") return n;
  }
  return undefined;
}

/**
 * Recomputes the stored state of `node`'s ancestors from their children, as ecFlow does after a
 * task changes state. Returns the containers whose state changed (nearest first).
 */
export function propagateState(
  node: Node,
  runtime: RuntimeState,
): { path: string; from: NodeState; to: NodeState }[] {
  const changed: { path: string; from: NodeState; to: NodeState }[] = [];
  for (let p = node.parent; p; p = p.parent) {
    const to = mostSignificant(
      p.children.map((c) => {
        const s = runtime.nodes.get(c.path)?.state;
        return s === undefined ? nodeState(c, runtime) : s;
      }),
    );
    const rt: NodeRuntime = runtime.nodes.get(p.path) ?? { state: "unknown" };
    if (rt.state !== to) {
      changed.push({ path: p.path, from: rt.state, to });
      runtime.nodes.set(p.path, { ...rt, state: to });
    }
  }
  return changed;
}

/**
 * The state `begin` gives a node: its defstatus, else queued. (ecFlow: defstatus applies to the
 * node; a container's computed state follows from its children.)
 */
export function beginState(node: Node): NodeState {
  const d = node.defstatus;
  if (!d || d === "suspended") return "queued";
  return d;
}

/** A node's attributes at their defined values: events initial, meters at minimum, first repeat value. */
export function initialValues(n: Node, state: NodeState): NodeRuntime {
  const rt: NodeRuntime = { state, tryNo: 0 };
  if (n.events.length)
    rt.events = Object.fromEntries(
      n.events.map((e) => [e.name ?? String(e.number), e.initiallySet === true]),
    );
  if (n.meters.length) rt.meters = Object.fromEntries(n.meters.map((m) => [m.name, m.min]));
  if (n.labels.length) rt.labels = Object.fromEntries(n.labels.map((l) => [l.name, l.value]));
  if (n.repeat) rt.repeatIndex = 0;
  return rt;
}

/**
 * The runtime of a freshly begun (or requeued) subtree: every node queued or its defstatus,
 * `suspended` flags from `defstatus suspended`, events at their initial value, meters at their
 * minimum, repeats at their first value, try number 0. Containers get their computed state.
 * A container with `defstatus complete` makes its whole subtree complete, as in ecFlow.
 */
export function beginRuntime(
  root: Node,
  now: Date,
  runtime: RuntimeState = { nodes: new Map() },
): RuntimeState {
  const at = now.toISOString();
  const visit = (n: Node, forced: NodeState | undefined): void => {
    const state = forced ?? beginState(n);
    const rt: NodeRuntime = { ...initialValues(n, state), begunAt: at, stateSince: at };
    if (n.defstatus === "suspended") rt.suspended = true;
    runtime.nodes.set(n.path, rt);
    if (n.kind !== "task") {
      const childForced = forced ?? (n.defstatus === "complete" ? "complete" : undefined);
      for (const c of n.children) visit(c, childForced);
      if (n.children.length)
        rt.state = mostSignificant(n.children.map((c) => runtime.nodes.get(c.path)?.state ?? "unknown"));
    }
  };
  visit(root, undefined);
  propagateState(root, runtime);
  return runtime;
}
