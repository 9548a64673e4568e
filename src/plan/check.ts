// A planner nobody can check is not worth trusting: `plan check` predicts a recorded cycle from what
// its own record teaches (the stream's rate and lateness, registration, each product's job seconds, the
// provider's boots and teardowns, the fleet's settings) without looking at its outcome, then compares
// the prediction with what the cycle paid (node-minutes) and delivered (per-step latency), and sets both
// against the clairvoyant floor computed from the cycle's own arrivals, job times and boots.

import { stepArrivals } from "../cycle/dissemination.ts";
import type { CycleProduct } from "../cycle/suite.ts";
import type { FleetConfig } from "../fleet/config.ts";
import type { ProvisionSample } from "../fleet/leadtime.ts";
import { nextDueLater, type SimCycle } from "./cycles.ts";
import { nearestRank } from "./distribution.ts";
import { PlanInputError } from "./errors.ts";
import { floorNodeSeconds } from "./floor.ts";
import { buildPlan, type InputsReport, type PlanQuestion } from "./inputs.ts";
import * as learn from "./learn.ts";
import type { Policy } from "./model.ts";
import { drawCycles, simulatePolicy } from "./montecarlo.ts";
import { peak } from "./outcome.ts";
import type { RecordedCycle } from "./records.ts";
import { type NodeTimeSplit, splitNodeTime } from "./split.ts";

export interface CheckEvidence {
  products: readonly CycleProduct[];
  fleet: FleetConfig;
  /** Files the data server registered at once (ingest.concurrency). */
  ingestConcurrency: number;
  /** The provider's provisioning times recorded up to the cycle's end, newest first, with their time. */
  samples: ReadonlyArray<ProvisionSample & { at: Date }>;
}

export interface CheckReport {
  cycle: string;
  suite: string;
  grid: number;
  provider: string;
  /** ECMWF's schedule compressed this many times, as the cycle's own files kept it. */
  timeFactor: number;
  steps: number;
  policy: Record<string, number | string>;
  measured: {
    nodeMinutes: number;
    p50LatencySeconds: number;
    p95LatencySeconds: number;
    maxLatencySeconds: number;
    nodesStarted: number;
    peakNodes: number;
    /** Where the node time went (seconds), against the floor's one boot and one teardown. */
    split: NodeTimeSplit;
  };
  /**
   * Over the simulated cycles: mean node-minutes (and their 5th-95th percentiles); a cycle's own p95
   * latency, its median over the cycles (and 5th-95th percentiles), as the one measured cycle shows one.
   */
  predicted: {
    cycles: number;
    nodeMinutes: number;
    nodeMinutesP5: number;
    nodeMinutesP95: number;
    p50LatencySeconds: number;
    p95LatencySeconds: number;
    p95LatencyP5: number;
    p95LatencyP95: number;
    maxLatencySeconds: number;
    nodesStarted: number;
  };
  /** (predicted − measured) / measured. */
  error: { nodeMinutes: number; p95LatencySeconds: number };
  tolerance: number;
  withinTolerance: boolean;
  floor: {
    nodeMinutes: number;
    bootSeconds: number;
    teardownSeconds: number;
    measuredRatio: number;
    predictedRatio: number;
  };
  inputs: InputsReport;
  warnings: string[];
}

const minuteOf = new Map(stepArrivals(360).map((a) => [a.step, a.minute]));
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** What the cycle itself paid and delivered. */
function measuredOutcome(record: RecordedCycle): CheckReport["measured"] {
  const nodes = record.nodes.filter((n) => !n.failed);
  const end = Math.max(...record.nodes.flatMap((n) => (n.goneAt ? [n.goneAt.getTime()] : [])), 0);
  const life = (n: (typeof nodes)[number]) => ((n.goneAt?.getTime() ?? end) - n.requestedAt.getTime()) / 1000;
  const received = new Map(record.files.map((f) => [f.step, f.receivedAt.getTime()]));
  const ready = record.jobs.flatMap((j) => (j.readyAt ? [j.readyAt.getTime() / 1000] : []));
  const ended = record.jobs.flatMap((j) => (j.endedAt ? [j.endedAt.getTime() / 1000] : []));
  const split = splitNodeTime(
    nodes.map((n) => ({ start: n.requestedAt.getTime() / 1000, end: (n.goneAt?.getTime() ?? end) / 1000 })),
    // A cycle none of whose jobs had data (or ended) spent its node time before (or during) the work.
    ready.length ? Math.min(...ready) : Number.POSITIVE_INFINITY,
    ended.length ? Math.max(...ended) : Number.POSITIVE_INFINITY,
  );
  const latencies = record.delivered
    .flatMap((d) =>
      received.has(d.step) ? [Math.max(0, (d.at.getTime() - received.get(d.step)!) / 1000)] : [],
    )
    .sort((a, b) => a - b);
  return {
    nodeMinutes: round(nodes.reduce((s, n) => s + life(n), 0) / 60, 3),
    p50LatencySeconds: round(nearestRank(latencies, 0.5)),
    p95LatencySeconds: round(nearestRank(latencies, 0.95)),
    maxLatencySeconds: round(latencies.at(-1) ?? Number.NaN),
    nodesStarted: record.nodes.length,
    split: {
      beforeDataSeconds: round(split.beforeDataSeconds, 2),
      afterWorkSeconds: round(split.afterWorkSeconds, 2),
      extraNodesSeconds: round(split.extraNodesSeconds, 2),
      oneNodeSeconds: round(split.oneNodeSeconds, 2),
    },
    peakNodes: peak(
      nodes.map((n) => n.requestedAt.getTime()),
      nodes.map((n) => n.goneAt?.getTime() ?? end),
    ),
  };
}

/** The recorded cycle as the simulation sees one: its own arrivals and job seconds (for the floor). */
export function recordedSimCycle(
  record: RecordedCycle,
  origin: Date,
  weights: ReadonlyMap<string, number>,
): SimCycle {
  const files = record.files
    .filter((f) => minuteOf.has(f.step))
    .sort((a, b) => minuteOf.get(a.step)! - minuteOf.get(b.step)! || a.step - b.step);
  const t = (d: Date) => (d.getTime() - origin.getTime()) / 1000;
  const received = Float64Array.from(files, (f) => t(f.receivedAt));
  const ready = Float64Array.from(files, (f, i) => {
    const times = record.jobs.filter((j) => j.step === f.step && j.readyAt).map((j) => t(j.readyAt!));
    return times.length ? Math.min(...times) : received[i]!;
  });
  const later = nextDueLater(files.map((f) => minuteOf.get(f.step)!));
  const work: number[] = [];
  const first: number[] = [];
  const seconds: number[] = [];
  const owner: number[] = [];
  files.forEach((file, i) => {
    const jobs = record.jobs
      .filter((j) => j.step === file.step && j.startedAt && j.endedAt)
      .sort((a, b) => (weights.get(b.product) ?? 0) - (weights.get(a.product) ?? 0));
    if (jobs.length === 0) return;
    first.push(seconds.length);
    for (const job of jobs) {
      seconds.push((job.endedAt!.getTime() - job.startedAt!.getTime()) / 1000);
      owner.push(work.length);
    }
    work.push(i);
  });
  first.push(seconds.length);
  return {
    index: 0,
    received,
    ready,
    dueNext: Float64Array.from(later, (j) => (j >= 0 ? received[j]! : Number.POSITIVE_INFINITY)),
    workSteps: Int32Array.from(work),
    jobFirst: Int32Array.from(first),
    jobSeconds: Float64Array.from(seconds),
    jobWork: Int32Array.from(owner),
    billingPhase: 0,
  };
}

/** The policy the cycle ran: the autoscaler at its settings, or its N nodes from when they were asked for. */
function policyOf(record: RecordedCycle, fleet: FleetConfig, firstDataAt: Date): Policy {
  const nodes = record.computeNodes ?? fleet.computeNodes;
  const cpus = fleet.autoscale.jobsPerNode;
  if (fleet.autoscale.enabled)
    return {
      name: "autoscale",
      maxNodes: nodes,
      cpus,
      backlogSeconds: fleet.autoscale.backlogSeconds,
      maxUtilisation: fleet.autoscale.maxUtilisation,
    };
  const asked = Math.min(...record.nodes.map((n) => n.requestedAt.getTime()));
  return { name: "learned-lead", nodes, cpus, leadSeconds: (firstDataAt.getTime() - asked) / 1000 };
}

/** The question that replays a recorded cycle: its steps, grid, provider, rate and products, its N. */
function replayQuestion(
  record: RecordedCycle & { grid: number; firstDataAt: Date },
  provider: string,
  fleet: FleetConfig,
  options: { cycles: number; seed: number },
): PlanQuestion {
  const fit = learn.fitStream(record, minuteOf);
  if (!fit)
    throw new PlanInputError(
      `cycle ${record.key} has fewer than three files of ECMWF's schedule: its stream cannot be fitted`,
    );
  const steps = [...new Set(record.files.map((f) => f.step))].sort((a, b) => a - b);
  // Where the fitted stream put the first step, against when the fleet expected it.
  const firstDue =
    record.baseTime.getTime() +
    (fit.interceptSeconds + fit.secondsPerMinute * minuteOf.get(steps[0]!)!) * 1000;
  return {
    steps: steps.join(","),
    grid: record.grid,
    provider: provider === "cloudsigma" ? "cloudsigma" : "local",
    deadlineSeconds: Number.POSITIVE_INFINITY,
    probability: 0.99,
    cycles: options.cycles,
    seed: options.seed,
    timeFactor: 60 / fit.secondsPerMinute,
    products: [...new Set(record.jobs.map((j) => j.product))],
    delay: `const:${(firstDue - record.firstDataAt.getTime()) / 1000}`,
    jobTime: "wall",
    cpuSpeed: 1,
    nodeSizes: [fleet.autoscale.jobsPerNode],
    maxNodes: record.computeNodes ?? fleet.computeNodes,
    dataServerCpus: 0,
    subscriptions: { vlan: 0, ip: 0 },
    cyclesPerDay: 4,
  };
}

export function checkCycle(
  record: RecordedCycle,
  evidence: CheckEvidence,
  options: { cycles: number; seed: number; tolerance: number },
): CheckReport {
  const provider = record.nodes[0]?.provider;
  const grid = record.grid;
  const firstDataAt = record.firstDataAt;
  if (grid === null)
    throw new PlanInputError(`cycle ${record.key} has no catalogued fields: its grid is not known`);
  if (!provider)
    throw new PlanInputError(`cycle ${record.key} had no compute nodes: there is nothing to predict`);
  if (!firstDataAt || !record.plannedAt)
    throw new PlanInputError(
      `cycle ${record.key} was never planned by the fleet (no fleet cycle): its first data time is not known`,
    );
  const question = replayQuestion({ ...record, grid, firstDataAt }, provider, evidence.fleet, options);
  const plan = buildPlan(question, {
    products: evidence.products,
    records: [record],
    samples: evidence.samples,
    prices: null,
    fleet: evidence.fleet,
    ingestConcurrency: evidence.ingestConcurrency,
  });
  // The controller knew only what was recorded before the cycle; the boots it meets are the cycle's own.
  const before = evidence.samples.filter((s) => s.at < record.plannedAt!);
  const model = { ...plan.model, controller: { ...plan.model.controller, samples: before } };
  const policy = policyOf(record, evidence.fleet, firstDataAt);
  const start = (record.plannedAt.getTime() - firstDataAt.getTime()) / 1000;
  const stats = simulatePolicy(model, policy, drawCycles(model.stream, options.cycles, options.seed), start);
  const measured = measuredOutcome(record);
  const weights = new Map(evidence.products.map((p) => [p.name, p.weight ?? 0]));
  const boots = record.nodes.flatMap((n) =>
    n.readyAt && !n.failed ? [(n.readyAt.getTime() - n.requestedAt.getTime()) / 1000] : [],
  );
  const boot = learn.medianOr(boots, 0) + learn.medianOr(learn.workerStarts(record), 0);
  // The quickest a node of the run went once its last job ended: what its release and destroy cost.
  const teardowns = learn.nodeTeardowns(record);
  const teardown = teardowns.length ? Math.min(...teardowns) : 0;
  const floor =
    floorNodeSeconds(recordedSimCycle(record, firstDataAt, weights), boot, policy.cpus, teardown) / 60;
  const error = {
    nodeMinutes: round((stats.nodeMinutes - measured.nodeMinutes) / measured.nodeMinutes, 3),
    p95LatencySeconds: round(
      (stats.cycleP95LatencySeconds.p50 - measured.p95LatencySeconds) / measured.p95LatencySeconds,
      3,
    ),
  };
  return {
    cycle: record.key,
    suite: record.suite,
    grid,
    provider,
    timeFactor: round(question.timeFactor, 2),
    steps: plan.model.stream.steps.length,
    policy: {
      name: policy.name,
      ...(policy.name === "autoscale"
        ? { maxNodes: policy.maxNodes, backlogSeconds: policy.backlogSeconds }
        : { nodes: policy.nodes, leadSeconds: round(policy.leadSeconds, 2) }),
      cpusPerNode: policy.cpus,
    },
    measured,
    predicted: {
      cycles: stats.cycles,
      nodeMinutes: round(stats.nodeMinutes),
      nodeMinutesP5: round(stats.nodeMinutesP5),
      nodeMinutesP95: round(stats.nodeMinutesP95),
      p50LatencySeconds: round(stats.latencySeconds.p50),
      p95LatencySeconds: round(stats.cycleP95LatencySeconds.p50),
      p95LatencyP5: round(stats.cycleP95LatencySeconds.p5),
      p95LatencyP95: round(stats.cycleP95LatencySeconds.p95),
      maxLatencySeconds: round(stats.latencySeconds.max),
      nodesStarted: round(stats.nodesStarted, 1),
    },
    error,
    tolerance: options.tolerance,
    withinTolerance:
      Math.abs(error.nodeMinutes) <= options.tolerance &&
      Math.abs(error.p95LatencySeconds) <= options.tolerance,
    floor: {
      nodeMinutes: round(floor),
      bootSeconds: round(boot),
      teardownSeconds: round(teardown),
      measuredRatio: round(measured.nodeMinutes / floor, 2),
      predictedRatio: round(stats.nodeMinutes / floor, 2),
    },
    inputs: plan.inputs,
    warnings: plan.warnings,
  };
}
