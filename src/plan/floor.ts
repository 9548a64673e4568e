// The clairvoyant floor: the least node time any schedule pays, knowing every arrival and job time in
// advance. A step's work c (its jobs' seconds over a node's CPUs) must be paid; between two steps a node
// either waits out the gap or is released and boots again, so each step costs at least
// c + min(gap − c, b + d), and the first node boots once and is torn down once. A node bills from its
// request to its being gone: its boot b (provisioning and the worker's start) and, after its last job,
// its teardown d (the release and the provider's destroy), which no schedule avoids. Not a schedule:
// a bound to judge policies by.
import type { SimCycle } from "./cycles.ts";
import type { FleetRun } from "./outcome.ts";

export function floorNodeSeconds(
  cycle: SimCycle,
  bootSeconds: number,
  cpus: number,
  teardownSeconds: number,
): number {
  const work = cycle.workSteps.length;
  if (work === 0) return 0;
  const restart = bootSeconds + teardownSeconds;
  let total = restart;
  for (let w = 0; w < work; w++) {
    let seconds = 0;
    for (let j = cycle.jobFirst[w]!; j < cycle.jobFirst[w + 1]!; j++) seconds += cycle.jobSeconds[j]!;
    const c = seconds / cpus;
    total += c;
    if (w + 1 < work) {
      const gap = cycle.ready[cycle.workSteps[w + 1]!]! - cycle.ready[cycle.workSteps[w]!]!;
      total += Math.min(Math.max(0, gap - c), restart);
    }
  }
  return total;
}

/**
 * The floor as a fleet run: its node time as one life, and each step's jobs each on a CPU of its own
 * from the moment their data is in (the least latency any fleet gives).
 */
export function floorRun(
  cycle: SimCycle,
  bootSeconds: number,
  teardownSeconds: number,
  cpus: number,
  dispatchSeconds: number,
): FleetRun {
  const stepEnd = new Float64Array(cycle.workSteps.length);
  for (let w = 0; w < cycle.workSteps.length; w++) {
    let longest = 0;
    for (let j = cycle.jobFirst[w]!; j < cycle.jobFirst[w + 1]!; j++)
      longest = Math.max(longest, cycle.jobSeconds[j]!);
    stepEnd[w] = cycle.ready[cycle.workSteps[w]!]! + dispatchSeconds + longest;
  }
  return {
    nodeStart: [0],
    nodeEnd: [floorNodeSeconds(cycle, bootSeconds, cpus, teardownSeconds)],
    stepEnd,
    nodesStarted: 1,
  };
}
