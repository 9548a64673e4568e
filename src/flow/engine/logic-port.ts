// What the scheduler needs from the pure flow logic (src/flow/logic/, built beside the engine). The
// engine only calls these functions, so the implementation can be swapped without touching it.
import type { Defs, NodeRuntime, NodeState, RuntimeState, Task } from "../model/index.ts";

/** A node's new runtime, decided by the logic (a repeat advancing, a complete expression holding, ...). */
export interface NodeChange {
  path: string;
  runtime: NodeRuntime;
  /** For the history: why. */
  detail: string;
}

export interface SchedulingLogic {
  /**
   * Changes that follow from the current state without running anything: complete expressions that
   * hold, repeats that advance when their node completes (requeueing what is below), time slots used.
   * The engine applies them and asks again until there are none.
   */
  advance(defs: Defs, runtime: RuntimeState, now: Date): NodeChange[];
  /** Tasks that may be submitted now: queued, not suspended, triggers, times, limits and parents allow. */
  readyTasks(defs: Defs, runtime: RuntimeState, now: Date): Task[];
  /** A node's state as shown: a task's own, a container's the most significant of its children. */
  displayState(defs: Defs, runtime: RuntimeState, path: string): NodeState;
  /** In words, why the node is not running (which trigger, limit, time or parent holds it). */
  why(defs: Defs, runtime: RuntimeState, path: string, now: Date): string[];
}
