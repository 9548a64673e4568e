// What the scheduler does each round, as a pure function of the definition, the runtime and the
// time: walking each suite top-down like ecFlow's resolveDependencies, it finds the queued tasks
// whose parents and themselves are free (not suspended, time dependencies free, triggers
// satisfied, limits with room) and the nodes whose complete expression now holds.
import type { Defs, Node, RuntimeState, Task } from "../model/types.ts";
import { completeSatisfied, type EvalContext, triggerSatisfied } from "./evaluate.ts";
import { limitBlocking, limitUsage, takeTokens } from "./limits.ts";
import { nodeState } from "./state.ts";
import { timeDependenciesFree } from "./time.ts";
import { findVariable } from "./variables.ts";

export interface ScheduleResult {
  /** Tasks to submit now, in definition order, within limits. */
  submit: Task[];
  /** Queued nodes whose complete expression holds: set them complete without running. */
  complete: Node[];
}

function isSuspended(node: Node, runtime: RuntimeState): boolean {
  const rt = runtime.nodes.get(node.path);
  return rt?.suspended === true || rt?.state === "suspended";
}

/** One scheduling round: which tasks to submit and which nodes to set complete. */
export function schedule(defs: Defs, runtime: RuntimeState, now: Date): ScheduleResult {
  const ctx: EvalContext = { defs, runtime, now };
  const usage = limitUsage(defs, runtime);
  const result: ScheduleResult = { submit: [], complete: [] };
  const visit = (node: Node): void => {
    if (isSuspended(node, runtime)) return;
    const state =
      node.kind === "task" ? (runtime.nodes.get(node.path)?.state ?? "unknown") : nodeState(node, runtime);
    if (node.kind === "task" ? state !== "queued" : state === "complete" || state === "unknown") return;
    if (!timeDependenciesFree(node, runtime, now)) return;
    if (node.complete && (node.kind !== "task" || state === "queued") && completeSatisfied(node, ctx)) {
      result.complete.push(node);
      return;
    }
    if (!triggerSatisfied(node, ctx)) return;
    if (node.kind !== "task") {
      for (const c of node.children) visit(c);
      return;
    }
    if (limitBlocking(defs, node, usage)) return;
    takeTokens(defs, node, usage);
    result.submit.push(node);
  };
  for (const suite of defs.suites) visit(suite);
  return result;
}

/** The tasks the scheduler should submit now (see schedule()). */
export function readyTasks(defs: Defs, runtime: RuntimeState, now: Date): Task[] {
  return schedule(defs, runtime, now).submit;
}

/** ECF_TRIES for a task (inherited variable; ecFlow's default is 2). */
export function maxTries(defs: Defs, task: Task, runtime: RuntimeState, now: Date): number {
  const v = Number(findVariable(task, "ECF_TRIES", runtime, now, defs));
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : 2;
}

/** Whether an aborted task gets another automatic try (ECF_TRYNO < ECF_TRIES), as in ecFlow. */
export function shouldRetry(defs: Defs, task: Task, runtime: RuntimeState, now: Date): boolean {
  const tryNo = runtime.nodes.get(task.path)?.tryNo ?? 0;
  return tryNo < maxTries(defs, task, runtime, now);
}
