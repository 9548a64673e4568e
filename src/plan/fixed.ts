// A fixed fleet, as the thesis ran it: N nodes asked for `leadSeconds` before the first data (3.5
// minutes in the thesis, the learned lead time otherwise), kept until the last job of the cycle is done.
// Each node's CPUs take the waiting jobs in the suite's order the moment they are free, as the workers
// pull them from the queue; a failed provision is asked for again at the controller's next pass.

import { Purpose, type SimCycle } from "./cycles.ts";
import { draw } from "./distribution.ts";
import type { FixedPolicy, NodeModel } from "./model.ts";
import type { FleetRun } from "./outcome.ts";
import { seededRandom, streamSeed } from "./random.ts";

export function runFixedFleet(
  cycle: SimCycle,
  policy: FixedPolicy,
  nodes: NodeModel,
  retryAfterSeconds: number,
  seed: number,
): FleetRun {
  const boots = seededRandom(streamSeed(seed, cycle.index, Purpose.boots));
  const failures = seededRandom(streamSeed(seed, cycle.index, Purpose.failures));
  const teardowns = seededRandom(streamSeed(seed, cycle.index, Purpose.teardown));
  const requested: number[] = [];
  const up: number[] = [];
  let asked = 0;
  // Every node's first try comes from the one batch; a failed one is asked for alone, later.
  let pending = nodes.provision(policy.nodes, boots).map((seconds) => ({ at: -policy.leadSeconds, seconds }));
  while (pending.length > 0) {
    const retries: typeof pending = [];
    for (const { at, seconds } of pending) {
      asked++;
      if (failures() < nodes.failureRate && asked < policy.nodes * 20) {
        const again = at + seconds + retryAfterSeconds;
        retries.push({ at: again, seconds: nodes.provision(1, boots)[0]! });
        continue;
      }
      requested.push(at);
      up.push(at + seconds + Math.max(0, draw(nodes.workerStartSeconds, boots)));
    }
    pending = retries;
  }
  const cold = seededRandom(streamSeed(seed, cycle.index, Purpose.cold));
  // One entry per CPU slot: when it is free next, and its node; a node's first job loads the product code.
  const free: number[] = [];
  const nodeOf: number[] = [];
  up.forEach((u, n) => {
    for (let c = 0; c < policy.cpus; c++) {
      free.push(u);
      nodeOf.push(n);
    }
  });
  const warm = new Set<number>();
  const stepEnd = new Float64Array(cycle.workSteps.length).fill(Number.NEGATIVE_INFINITY);
  let last = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cycle.jobSeconds.length; j++) {
    const w = cycle.jobWork[j]!;
    let slot = 0;
    for (let k = 1; k < free.length; k++) if (free[k]! < free[slot]!) slot = k;
    const start = Math.max(free[slot]!, cycle.ready[cycle.workSteps[w]!]!) + nodes.dispatchSeconds;
    const first = !warm.has(nodeOf[slot]!);
    warm.add(nodeOf[slot]!);
    const end =
      start + cycle.jobSeconds[j]! + (first ? Math.max(0, draw(nodes.firstJobExtraSeconds, cold)) : 0);
    free[slot] = end;
    if (end > stepEnd[w]!) stepEnd[w] = end;
    if (end > last) last = end;
  }
  return {
    nodeStart: requested,
    nodeEnd: requested.map(() => last + Math.max(0, draw(nodes.teardownSeconds, teardowns))),
    stepEnd,
    nodesStarted: asked,
  };
}
