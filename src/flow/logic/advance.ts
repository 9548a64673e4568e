// The state changes that follow from the current state without running anything, as ecFlow makes
// them between jobs: complete expressions that hold, repeats that move on when their node
// completes (requeueing everything below), time series and crons that requeue a node for its next
// slot, time slots used, and containers' states following their children.
import { walk, walkNode } from "../model/tree.ts";
import type { Defs, Node, NodeRuntime, RuntimeState } from "../model/types.ts";
import { completeSatisfied, type EvalContext } from "./evaluate.ts";
import { exprToString } from "./expr-parser.ts";
import { beginState, mostSignificant } from "./state.ts";
import { hasFutureSlot, timeDependenciesFree, usedTimeSlots } from "./time.ts";
import { repeatLength, repeatValueAt } from "./variables.ts";

/** A node's new runtime and, for the history, why. */
export interface NodeChange {
  path: string;
  runtime: NodeRuntime;
  detail: string;
}

const hasTimeAttrs = (n: Node): boolean => n.times.length > 0 || n.todays.length > 0 || n.crons.length > 0;
const hasTimeDeps = (n: Node): boolean => hasTimeAttrs(n) || n.dates.length > 0 || n.days.length > 0;

/** The runtime of a node queued again by a repeat or cron of an ancestor (or itself). */
export function requeuedRuntime(
  n: Node,
  old: NodeRuntime | undefined,
  now: Date,
  resetRepeat: boolean,
): NodeRuntime {
  const at = now.toISOString();
  const rt: NodeRuntime = {
    ...(old ?? { state: "queued" }),
    state: beginState(n),
    begunAt: at,
    stateSince: at,
    tryNo: 0,
  };
  rt.events = Object.fromEntries(n.events.map((e) => [e.name ?? String(e.number), e.initiallySet === true]));
  rt.meters = Object.fromEntries(n.meters.map((m) => [m.name, m.min]));
  delete rt.timeSlotsUsed;
  delete rt.triggerFree;
  delete rt.timeFree;
  delete rt.abortedReason;
  if (n.repeat && resetRepeat) rt.repeatIndex = 0;
  return rt;
}

/** Every change that follows now; apply them all, then ask again until there are none. */
export function advance(defs: Defs, runtime: RuntimeState, now: Date): NodeChange[] {
  // Work on a copy so later steps see earlier ones; report the nodes that changed.
  const work: RuntimeState = { nodes: new Map(runtime.nodes) };
  if (runtime.clockOffsetMs) work.clockOffsetMs = runtime.clockOffsetMs;
  const details = new Map<string, string>();
  const set = (path: string, rt: NodeRuntime, detail: string): void => {
    work.nodes.set(path, rt);
    if (!details.has(path)) details.set(path, detail);
  };
  const ctx: EvalContext = { defs, runtime: work, now };
  const stateOf = (n: Node): NodeRuntime | undefined => work.nodes.get(n.path);

  // Post-order: children settle before their parents.
  const order = [...walk(defs)].reverse();

  // 1. Complete expressions on queued nodes.
  for (const n of [...walk(defs)]) {
    const rt = stateOf(n);
    if (!rt || !n.complete || rt.suspended) continue;
    const s = rt.state;
    if (s !== "queued" && !(n.kind !== "task" && (s === "active" || s === "submitted"))) continue;
    // As in ecFlow, a node held by a time dependency does not look at its complete expression yet.
    if (!timeDependenciesFree(n, work, now) || !completeSatisfied(n, ctx)) continue;
    const detail = `complete expression holds: ${exprToString(n.complete.ast)}`;
    for (const d of walkNode(n)) {
      const drt = stateOf(d);
      if (
        d === n ||
        d.kind !== "task" ||
        drt?.state === "queued" ||
        drt?.state === "aborted" ||
        drt?.state === "unknown"
      )
        set(
          d.path,
          { ...(drt ?? { state: "complete" }), state: "complete", stateSince: now.toISOString() },
          detail,
        );
    }
  }

  // 2. As in ecFlow, time dependencies once satisfied stay free until the node is queued again:
  //    record it (and the slots that freed it) so that a family's time does not hold its later
  //    tasks, nor a day or date a run that goes past midnight.
  for (const n of order) {
    if (!hasTimeDeps(n)) continue;
    const rt = stateOf(n);
    if (!rt || rt.state === "unknown" || rt.state === "complete" || rt.timeFree) continue;
    if (!timeDependenciesFree(n, work, now)) continue;
    set(
      n.path,
      { ...rt, timeFree: true, timeSlotsUsed: usedTimeSlots(n, work, now) },
      "time dependencies free",
    );
  }

  // 3. Containers follow their children; repeats, crons and time series requeue completed nodes.
  for (const n of order) {
    const rt = stateOf(n);
    if (!rt || rt.state === "unknown") continue;
    if (n.kind !== "task" && n.children.length) {
      const computed = mostSignificant(n.children.map((c) => stateOf(c)?.state ?? "unknown"));
      if (computed !== rt.state && computed !== "unknown")
        set(
          n.path,
          { ...rt, state: computed, stateSince: now.toISOString() },
          `follows its children (${computed})`,
        );
    }
    const cur = stateOf(n) as NodeRuntime;
    if (cur.state !== "complete") continue;
    if (n.repeat) {
      const index = cur.repeatIndex ?? 0;
      if (index + 1 < repeatLength(n.repeat)) {
        const detail = `repeat ${n.repeat.kind === "day" ? "day" : n.repeat.name} moves on to ${repeatValueAt(n.repeat, index + 1)}`;
        requeueSubtree(n, now, detail, set, stateOf);
        set(
          n.path,
          { ...requeuedRuntime(n, cur, now, false), state: "queued", repeatIndex: index + 1 },
          detail,
        );
        continue;
      }
    }
    if (hasTimeAttrs(n) && hasFutureSlot(n, work, now)) {
      const detail = n.crons.length
        ? "cron: queued for its next time"
        : "time series: queued for its next slot";
      requeueSubtree(n, now, detail, set, stateOf);
      set(
        n.path,
        {
          ...requeuedRuntime(n, cur, now, false),
          state: "queued",
          // The slots up to now count as used: a run that overran a slot skips it, as in ecFlow.
          timeSlotsUsed: usedTimeSlots(n, work, now),
          begunAt: cur.begunAt ?? now.toISOString(),
        },
        detail,
      );
    }
  }

  const changes: NodeChange[] = [];
  for (const [path, detail] of details) {
    const rt = work.nodes.get(path) as NodeRuntime;
    if (rt !== runtime.nodes.get(path)) changes.push({ path, runtime: rt, detail });
  }
  return changes;
}

function requeueSubtree(
  n: Node,
  now: Date,
  detail: string,
  set: (path: string, rt: NodeRuntime, detail: string) => void,
  stateOf: (n: Node) => NodeRuntime | undefined,
): void {
  if (n.kind === "task") return;
  for (const d of walkNode(n)) {
    if (d === n) continue;
    set(d.path, requeuedRuntime(d, stateOf(d), now, true), detail);
  }
}
