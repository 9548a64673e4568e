// Many cycles, drawn once, played by each policy: node time, cost, lateness and punctuality, as averages
// and percentiles over the cycles (latencies pooled over every step of every cycle).
import { leadTimeFor } from "../fleet/leadtime.ts";
import { runAutoscaledFleet } from "./autoscaled.ts";
import { drawCycle, type SimCycle } from "./cycles.ts";
import { nearestRank } from "./distribution.ts";
import { runFixedFleet } from "./fixed.ts";
import { floorRun } from "./floor.ts";
import type { BillingModel, ControllerModel, NodeModel, Policy, StreamModel } from "./model.ts";
import { type CycleOutcome, cycleOutcome, type FleetRun } from "./outcome.ts";

export interface PlanModel {
  stream: StreamModel;
  nodes: NodeModel;
  controller: ControllerModel;
  billing: BillingModel;
  /** Seconds after the first step is due by which every product must be delivered. */
  deadlineSeconds: number;
  /** The typical boot the clairvoyant floor charges per restart (seconds). */
  floorBootSeconds: number;
  /** The typical teardown (release to gone) the floor charges per node life (seconds). */
  floorTeardownSeconds: number;
  seed: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

export interface PolicyStats {
  cycles: number;
  /** Mean node-minutes per cycle, and its 5th and 95th percentiles over the cycles. */
  nodeMinutes: number;
  nodeMinutesP5: number;
  nodeMinutesP95: number;
  costPerCycle: number;
  computeCostPerCycle: number;
  /** Every step before the next one arrived, and the whole cycle by the deadline. */
  onTimeRate: number;
  stepsOnTimeRate: number;
  deadlineRate: number;
  /** Arrival to delivery, per step, over every step of every cycle. */
  latencySeconds: Percentiles;
  /** Each cycle's own 95th percentile of step latency, over the cycles (what one cycle will show). */
  cycleP95LatencySeconds: { p5: number; p50: number; p95: number };
  /** When the last product was delivered, seconds after the first step was due. */
  completionSeconds: Percentiles;
  peakNodes: number;
  nodesStarted: number;
  /** The completion times over the cycles, sorted (for the deadline a probability reaches). */
  completions: Float64Array;
}

export function drawCycles(stream: StreamModel, count: number, seed: number): SimCycle[] {
  return Array.from({ length: count }, (_, i) => drawCycle(stream, i, seed));
}

/** When the controller first looks at a cycle: a pass interval before the lead time it has learned. */
export function controllerStart(controller: ControllerModel): number {
  return -(leadTimeFor(1, controller.samples, controller.leadTime).seconds + controller.intervalSeconds);
}

export function runPolicy(
  model: PlanModel,
  policy: Policy,
  cycle: SimCycle,
  startSeconds?: number,
): FleetRun {
  return policy.name === "autoscale"
    ? runAutoscaledFleet(cycle, policy, {
        stepNumbers: model.stream.steps.map((s) => s.step),
        nodes: model.nodes,
        controller: model.controller,
        startSeconds: startSeconds ?? controllerStart(model.controller),
        seed: model.seed,
      })
    : runFixedFleet(cycle, policy, model.nodes, model.controller.intervalSeconds, model.seed);
}

export function simulatePolicy(
  model: PlanModel,
  policy: Policy,
  cycles: readonly SimCycle[],
  startSeconds?: number,
): PolicyStats {
  return summarise(
    cycles.map((cycle) =>
      outcomeOf(model, policy.cpus, cycle, runPolicy(model, policy, cycle, startSeconds)),
    ),
  );
}

/** The clairvoyant floor over the same cycles, for nodes of `cpus` CPUs (billed by the second: a bound). */
export function simulateFloor(model: PlanModel, cpus: number, cycles: readonly SimCycle[]): PolicyStats {
  const billing: BillingModel = { ...model.billing, rounding: "prorated" };
  return summarise(
    cycles.map((cycle) =>
      outcomeOf(
        { ...model, billing },
        cpus,
        cycle,
        floorRun(
          cycle,
          model.floorBootSeconds,
          model.floorTeardownSeconds,
          cpus,
          model.nodes.dispatchSeconds,
        ),
      ),
    ),
  );
}

function outcomeOf(model: PlanModel, cpus: number, cycle: SimCycle, run: FleetRun): CycleOutcome {
  return cycleOutcome(cycle, run, {
    billing: model.billing,
    cpus,
    deliveryTailSeconds: model.nodes.deliveryTailSeconds,
    deadlineSeconds: model.deadlineSeconds,
  });
}

export function summarise(outcomes: readonly CycleOutcome[]): PolicyStats {
  const n = outcomes.length;
  const sum = (f: (o: CycleOutcome) => number) => outcomes.reduce((s, o) => s + f(o), 0);
  const rate = (f: (o: CycleOutcome) => boolean) => outcomes.filter(f).length / Math.max(1, n);
  const latencies = new Float64Array(outcomes.reduce((s, o) => s + o.latencies.length, 0));
  let k = 0;
  for (const o of outcomes) {
    latencies.set(o.latencies, k);
    k += o.latencies.length;
  }
  latencies.sort();
  const cycleP95 = Float64Array.from(outcomes, (o) =>
    nearestRank(Float64Array.from(o.latencies).sort(), 0.95),
  ).sort();
  const minutes = Float64Array.from(outcomes, (o) => o.bill.nodeSeconds / 60).sort();
  const completions = Float64Array.from(outcomes, (o) => o.completion).sort();
  return {
    cycles: n,
    nodeMinutes: sum((o) => o.bill.nodeSeconds) / 60 / Math.max(1, n),
    nodeMinutesP5: nearestRank(minutes, 0.05),
    nodeMinutesP95: nearestRank(minutes, 0.95),
    costPerCycle: sum((o) => o.bill.total) / Math.max(1, n),
    computeCostPerCycle: sum((o) => o.bill.compute) / Math.max(1, n),
    onTimeRate: rate((o) => o.stepsOnTime && o.deadlineMet),
    stepsOnTimeRate: rate((o) => o.stepsOnTime),
    deadlineRate: rate((o) => o.deadlineMet),
    latencySeconds: percentiles(latencies),
    cycleP95LatencySeconds: {
      p5: nearestRank(cycleP95, 0.05),
      p50: nearestRank(cycleP95, 0.5),
      p95: nearestRank(cycleP95, 0.95),
    },
    completionSeconds: percentiles(completions),
    peakNodes: outcomes.reduce((m, o) => Math.max(m, o.peakNodes), 0),
    nodesStarted: sum((o) => o.nodesStarted) / Math.max(1, n),
    completions,
  };
}

function percentiles(sorted: Float64Array): Percentiles {
  return {
    p50: nearestRank(sorted, 0.5),
    p95: nearestRank(sorted, 0.95),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}
