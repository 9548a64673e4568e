// The pure flow logic: expressions, paths, variables, states, time, limits, scheduling, why.
// `flowLogic` is the SchedulingLogic the engine's scheduler calls.
import { findNode } from "../model/tree.ts";
import type { Defs, NodeState, RuntimeState, Task } from "../model/types.ts";
import { advance, type NodeChange } from "./advance.ts";
import { readyTasks } from "./schedule.ts";
import { displayState } from "./state.ts";
import { why } from "./why.ts";

export * from "./advance.ts";
export * from "./diagnostics.ts";
export * from "./evaluate.ts";
export * from "./expr-parser.ts";
export * from "./late.ts";
export * from "./limits.ts";
export * from "./paths.ts";
export * from "./saved-state.ts";
export * from "./schedule.ts";
export * from "./state.ts";
export * from "./time.ts";
export * from "./validate.ts";
export * from "./variables.ts";
export * from "./why.ts";

/** The logic behind the engine's scheduler (the engine's SchedulingLogic port). */
export const flowLogic: {
  advance(defs: Defs, runtime: RuntimeState, now: Date): NodeChange[];
  readyTasks(defs: Defs, runtime: RuntimeState, now: Date): Task[];
  displayState(defs: Defs, runtime: RuntimeState, path: string): NodeState;
  why(defs: Defs, runtime: RuntimeState, path: string, now: Date): string[];
} = {
  advance,
  readyTasks,
  displayState(defs, runtime, path) {
    const node = findNode(defs, path);
    return node ? displayState(node, runtime) : "unknown";
  },
  why(defs, runtime, path, now) {
    return why(defs, path, runtime, now).reasons;
  },
};
