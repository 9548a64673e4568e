// Limits and inlimits: a limit on a node has N tokens; a task that is submitted or active takes
// the tokens of every inlimit on it and on its ancestors (unless the inlimit is `-n`, which
// counts the family itself once; `-s` counts only while submitted).
import { walk } from "../model/tree.ts";
import type { Defs, InLimitAttr, Node, RuntimeState, Task } from "../model/types.ts";
import { resolveNodePath } from "./paths.ts";

export interface LimitRef {
  /** The node holding the `limit`. */
  holder: Node;
  name: string;
  max: number;
}

/** Finds the limit an inlimit on `node` names: at its path, else on the node or above. */
export function resolveInLimit(defs: Defs, node: Node, il: InLimitAttr): LimitRef | undefined {
  let holder: Node | undefined;
  if (il.path !== undefined) {
    const target = resolveNodePath(defs, node, il.path);
    if (target?.limits.some((l) => l.name === il.name)) holder = target;
  } else {
    for (let n: Node | undefined = node; n && !holder; n = n.parent)
      if (n.limits.some((l) => l.name === il.name)) holder = n;
  }
  if (!holder) return undefined;
  const limit = holder.limits.find((l) => l.name === il.name);
  return limit ? { holder, name: il.name, max: limit.value } : undefined;
}

const key = (r: { holder: Node; name: string }): string => `${r.holder.path}:${r.name}`;

/** The inlimits a task is bound by: its own and its ancestors', with the node declaring each. */
export function inlimitsOf(task: Node): { on: Node; il: InLimitAttr }[] {
  const out: { on: Node; il: InLimitAttr }[] = [];
  for (let n: Node | undefined = task; n; n = n.parent) for (const il of n.inlimits) out.push({ on: n, il });
  return out;
}

function holdsTokens(state: string | undefined, il: InLimitAttr): boolean {
  if (il.limitSubmission) return state === "submitted";
  return state === "submitted" || state === "active";
}

/**
 * Tokens in use per limit (`/holder:name` -> tokens), from every submitted/active task. Each
 * consumer (a task, or a family with `inlimit -n`) counts once per limit.
 */
export function limitUsage(
  defs: Defs,
  runtime: RuntimeState,
): Map<string, { used: number; max: number; users: string[] }> {
  const usage = new Map<string, { used: number; max: number; users: string[] }>();
  for (const node of walk(defs)) {
    if (node.kind !== "task") continue;
    const state = runtime.nodes.get(node.path)?.state;
    if (state !== "submitted" && state !== "active") continue;
    for (const { on, il } of inlimitsOf(node)) {
      if (!holdsTokens(state, il)) continue;
      const ref = resolveInLimit(defs, on, il);
      if (!ref) continue;
      const k = key(ref);
      const u = usage.get(k) ?? { used: 0, max: ref.max, users: [] };
      // As ecFlow's Limit, each consumer (task, or `-n` family) counts once per limit.
      const user = il.limitThisNodeOnly && on.kind !== "task" ? on.path : node.path;
      if (u.users.includes(user)) continue;
      u.users.push(user);
      u.used += il.tokens;
      usage.set(k, u);
    }
  }
  return usage;
}

/** Tokens in use of the limit `name` on `holder`. */
export function limitInUse(defs: Defs, runtime: RuntimeState, holder: Node, name: string): number {
  return limitUsage(defs, runtime).get(`${holder.path}:${name}`)?.used ?? 0;
}

/** The first limit that has no room for `task`, or undefined if all have room. */
export function limitBlocking(
  defs: Defs,
  task: Task,
  usage: Map<string, { used: number; max: number; users: string[] }>,
): { ref: LimitRef; used: number; need: number; users: string[] } | undefined {
  const counted = new Set<string>();
  for (const { on, il } of inlimitsOf(task)) {
    const ref = resolveInLimit(defs, on, il);
    if (!ref) continue;
    const k = key(ref);
    const user = il.limitThisNodeOnly && on.kind !== "task" ? on.path : task.path;
    if (counted.has(`${k}|${user}`)) continue;
    counted.add(`${k}|${user}`);
    const u = usage.get(k);
    // A consumer that already holds its tokens (a `-n` family with a running task) passes.
    if (u?.users.includes(user)) continue;
    const used = u?.used ?? 0;
    if (used + il.tokens > ref.max) return { ref, used, need: il.tokens, users: u?.users ?? [] };
  }
  return undefined;
}

/** Records in `usage` the tokens `task` takes when it is submitted (for scheduling rounds). */
export function takeTokens(
  defs: Defs,
  task: Task,
  usage: Map<string, { used: number; max: number; users: string[] }>,
): void {
  for (const { on, il } of inlimitsOf(task)) {
    const ref = resolveInLimit(defs, on, il);
    if (!ref) continue;
    const k = key(ref);
    const u = usage.get(k) ?? { used: 0, max: ref.max, users: [] };
    const user = il.limitThisNodeOnly && on.kind !== "task" ? on.path : task.path;
    if (il.limitThisNodeOnly && u.users.includes(user)) continue;
    u.users.push(user);
    u.used += il.tokens;
    usage.set(k, u);
  }
}
