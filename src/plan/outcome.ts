// What one policy achieved on one simulated cycle: the node time it paid, what that cost, how late each
// step's products were, and whether the cycle was on time (every step delivered before the next one
// arrived, and the whole cycle by the deadline).
import { type CycleBill, cycleBill } from "./billing.ts";
import type { SimCycle } from "./cycles.ts";
import type { BillingModel } from "./model.ts";

/** What a policy's fleet did in one cycle, whatever the policy. */
export interface FleetRun {
  /** Billed life of every node that was provisioned (failed provisions are not billed). */
  nodeStart: number[];
  nodeEnd: number[];
  /** Per work step: when its last job ended. */
  stepEnd: Float64Array;
  /** Nodes asked for, failed ones included. */
  nodesStarted: number;
}

export interface CycleOutcome {
  bill: CycleBill;
  peakNodes: number;
  nodesStarted: number;
  /** Per work step: from its file's arrival to its last product delivered. */
  latencies: Float64Array;
  stepsOnTime: boolean;
  /** When the last product was delivered (seconds after the first step was due). */
  completion: number;
  deadlineMet: boolean;
}

export interface OutcomeContext {
  billing: BillingModel;
  cpus: number;
  deliveryTailSeconds: number;
  /** Seconds after the first step is due by which the whole cycle must be delivered. */
  deadlineSeconds: number;
}

export function cycleOutcome(cycle: SimCycle, run: FleetRun, context: OutcomeContext): CycleOutcome {
  const latencies = new Float64Array(cycle.workSteps.length);
  let stepsOnTime = true;
  let completion = Number.NEGATIVE_INFINITY;
  for (let w = 0; w < cycle.workSteps.length; w++) {
    const s = cycle.workSteps[w]!;
    const delivered = Math.max(cycle.received[s]!, run.stepEnd[w]! + context.deliveryTailSeconds);
    latencies[w] = delivered - cycle.received[s]!;
    if (delivered > cycle.dueNext[s]!) stepsOnTime = false;
    if (delivered > completion) completion = delivered;
  }
  const lastFile = cycle.received[cycle.received.length - 1] ?? 0;
  return {
    bill: cycleBill(
      { start: run.nodeStart, end: run.nodeEnd },
      context.cpus,
      Math.max(completion, lastFile),
      context.billing,
      cycle.billingPhase,
    ),
    peakNodes: peak(run.nodeStart, run.nodeEnd),
    nodesStarted: run.nodesStarted,
    latencies,
    stepsOnTime,
    completion,
    deadlineMet: completion <= context.deadlineSeconds,
  };
}

/** The most lives overlapping at one moment. */
export function peak(start: readonly number[], end: readonly number[]): number {
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < start.length; i++) edges.push([start[i]!, 1], [end[i]!, -1]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let up = 0;
  let most = 0;
  for (const [, step] of edges) {
    up += step;
    most = Math.max(most, up);
  }
  return most;
}
