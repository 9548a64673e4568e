// The question and the evidence turned into what the simulation plays: the stream (ECMWF's schedule at
// the question's rate, with lateness learned from recorded arrivals or given), each product's job
// seconds (recorded at the question's grid, or measured on the spot), the provider's provisioning
// (recorded, or the thesis's figures for CloudSigma), the controller's settings and the prices. Every
// figure says where it came from; what is missing is said, never made up.

import { selectSteps, stepArrivals } from "../cycle/dissemination.ts";
import type { CycleProduct } from "../cycle/suite.ts";
import type { FleetConfig } from "../fleet/config.ts";
import { leadTimeFor, type ProvisionSample } from "../fleet/leadtime.ts";
import { thesisLatency } from "../sim/cloudsigma/latency.ts";
import type { PlanSearch } from "./compare.ts";
import {
  constant,
  type Distribution,
  describeDistribution,
  empirical,
  type Placed,
  parseDistribution,
  parseDuration,
  quantile,
  scaled,
  stagedEmpirical,
} from "./distribution.ts";
import { PlanInputError } from "./errors.ts";
import * as learn from "./learn.ts";
import type { BillingModel, NodeModel, StreamModel } from "./model.ts";
import type { PlanModel } from "./montecarlo.ts";
import { goldenShape, type PriceList, pricePerHour } from "./prices.ts";
import { modelledProvisioning, recordedProvisioning } from "./provisioning.ts";
import { seededRandom } from "./random.ts";
import type { RecordedCycle } from "./records.ts";

export interface PlanQuestion {
  /** ECMWF steps of the cycle, e.g. "0-360". */
  steps: string;
  /** The model grid's increment in degrees. */
  grid: number;
  provider: "local" | "cloudsigma";
  /** Every product delivered this many seconds after the first step is due. */
  deadlineSeconds: number;
  /** The share of cycles that must be on time. */
  probability: number;
  cycles: number;
  seed: number;
  /** ECMWF's schedule compressed this many times (1: real time; the demo's 10). */
  timeFactor: number;
  /** Only these of the cycle's products (all when absent). */
  products?: readonly string[] | undefined;
  /** Each step's lateness and the whole cycle's, when given instead of learned. */
  jitter?: string | undefined;
  delay?: string | undefined;
  /** A job's seconds: its wall time on the node (default) or the CPU seconds it reported. */
  jobTime: "wall" | "cpu";
  /** A node's CPU against the one the jobs were recorded or measured on (2: twice as fast). */
  cpuSpeed: number;
  nodeSizes: readonly number[];
  maxNodes: number;
  backlogSeconds?: readonly number[] | undefined;
  /** Billing: a price per CPU-hour instead of the price list's, and how the provider rounds. */
  pricePerCpuHour?: number | undefined;
  billingRounding?: "prorated" | "period" | undefined;
  dataServerCpus: number;
  subscriptions: { vlan: number; ip: number };
  cyclesPerDay: number;
}

export interface PlanEvidence {
  /** The cycle's products with the steps each is made for and its weight. */
  products: readonly CycleProduct[];
  /** Recorded past cycles, newest first. */
  records: readonly RecordedCycle[];
  /** The provider's recorded provisioning times, newest first. */
  samples: readonly ProvisionSample[];
  /** Job seconds measured on the spot, per product (at the question's grid). */
  measured?: ReadonlyMap<string, number> | undefined;
  prices: PriceList | null;
  fleet: FleetConfig;
  /** Files the data server registers at once (ingest.concurrency). */
  ingestConcurrency: number;
}

export interface Sourced {
  source: string;
  description: string;
}

export interface InputsReport {
  stream: {
    steps: number;
    stepsWithJobs: number;
    lastStepWithJobs: number | null;
    secondsPerMinute: number;
    jitter: Sourced;
    firstLateness: Sourced;
    delay: Sourced;
    ingest: Sourced;
  };
  jobs: Array<{ product: string; steps: number; p50Seconds: number; p95Seconds: number; source: string }>;
  provisioning: {
    provider: string;
    source: string;
    bootSeconds: { p50: number; p95: number };
    leadSeconds: number;
    workerStart: Sourced;
    teardown: Sourced;
    failureRate: number;
    failureSource: string;
  };
  billing: {
    currency: string;
    source: string;
    nodePricePerHour: Record<string, number>;
    rounding: string;
    periodSeconds: number;
    dataServerPerHour: number | null;
    subscriptionsPerMonth: number | null;
  };
}

export interface BuiltPlan {
  model: PlanModel;
  search: PlanSearch;
  inputs: InputsReport;
  warnings: string[];
}

/**
 * The deadline in seconds after the first step is due: "90min" (after the first data), "T+7h30m" (after
 * the base time, as ECMWF's schedule is written) or "none".
 */
export function deadlineAfterFirstData(text: string, steps: string): number {
  if (text === "none") return Number.POSITIVE_INFINITY;
  const first = selectSteps(stepArrivals(360), steps)[0];
  if (/^T\+/i.test(text)) return parseDuration(text.slice(2), "--deadline") - (first?.minute ?? 0) * 60;
  return parseDuration(text, "--deadline");
}

const sameGrid = (a: number | null, b: number) => a !== null && Math.abs(a - b) < 1e-6;

/** Recorded cycles on the question's grid and provider. */
function comparable(evidence: PlanEvidence, question: PlanQuestion): RecordedCycle[] {
  return evidence.records.filter((c) => sameGrid(c.grid, question.grid));
}

export function buildPlan(question: PlanQuestion, evidence: PlanEvidence): BuiltPlan {
  const warnings: string[] = [];
  const onGrid = comparable(evidence, question);
  const products = chosenProducts(question, evidence.products);
  const jobs = jobCosts(question, evidence, onGrid, products);
  const { stream, report: streamReport } = streamModel(question, evidence, onGrid, products, jobs, warnings);
  const nodes = nodeModel(question, evidence, onGrid, warnings);
  const billing = billingModel(question, evidence, warnings);
  const lead1 = leadTimeFor(1, nodes.samples, evidence.fleet.leadTime).seconds;
  const bootDraws = Array.from(
    { length: 400 },
    (_, i) => nodes.model.provision(1, seededRandom(i + 1))[0]!,
  ).sort((a, b) => a - b);
  const bootP50 = bootDraws[199]!;
  const model: PlanModel = {
    stream,
    nodes: nodes.model,
    controller: {
      intervalSeconds: evidence.fleet.reconcileIntervalSeconds,
      // The controller's own pause between nudged passes (fleet/controller.ts nudgeGapMs).
      nudgeGapSeconds: 0.2,
      passSeconds: 0.05,
      leadTime: evidence.fleet.leadTime,
      samples: nodes.samples,
    },
    billing: billing.model,
    deadlineSeconds: question.deadlineSeconds,
    floorBootSeconds: bootP50 + quantile(nodes.model.workerStartSeconds, 0.5),
    floorTeardownSeconds: quantile(nodes.model.teardownSeconds, 0.5),
    seed: question.seed,
  };
  const search: PlanSearch = {
    probability: question.probability,
    maxNodes: question.maxNodes,
    nodeSizes: question.nodeSizes,
    backlogSeconds: question.backlogSeconds ?? [evidence.fleet.autoscale.backlogSeconds],
    maxUtilisation: evidence.fleet.autoscale.maxUtilisation,
    thesisLeadSeconds: 210,
    searchCycles: Math.min(question.cycles, 50),
  };
  return {
    model,
    search,
    warnings,
    inputs: {
      stream: streamReport,
      jobs: products.map((p) => ({
        product: p.name,
        steps: stream.steps.filter((s) => s.jobs.some((j) => j.product === p.name)).length,
        p50Seconds: quantile(jobs.get(p.name)!.seconds, 0.5),
        p95Seconds: quantile(jobs.get(p.name)!.seconds, 0.95),
        source: jobs.get(p.name)!.source,
      })),
      provisioning: {
        provider: question.provider,
        source: nodes.source,
        bootSeconds: { p50: bootP50, p95: bootDraws[379]! },
        leadSeconds: lead1,
        workerStart: nodes.workerStart,
        teardown: nodes.teardown,
        failureRate: nodes.model.failureRate,
        failureSource: nodes.failureSource,
      },
      billing: billing.report,
    },
  };
}

function chosenProducts(question: PlanQuestion, all: readonly CycleProduct[]): CycleProduct[] {
  if (all.length === 0)
    throw new PlanInputError(
      "the cycle has no products to plan for",
      "configure cycle.products, or use the built-in ones",
    );
  if (!question.products) return [...all];
  const known = new Set(all.map((p) => p.name));
  const unknown = question.products.filter((p) => !known.has(p));
  if (unknown.length)
    throw new PlanInputError(
      `unknown product${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`,
      `the cycle's products are ${[...known].join(", ")} (cycle.products in the configuration)`,
    );
  return all.filter((p) => question.products!.includes(p.name));
}

/** Each product's job seconds: recorded on the question's grid, else measured on the spot. */
function jobCosts(
  question: PlanQuestion,
  evidence: PlanEvidence,
  onGrid: readonly RecordedCycle[],
  products: readonly CycleProduct[],
): Map<string, { seconds: Distribution; source: string }> {
  const recorded = learn.jobSeconds(onGrid, question.jobTime);
  const costs = new Map<string, { seconds: Distribution; source: string }>();
  const missing: string[] = [];
  for (const product of products) {
    const values = stagedEmpirical(recorded.get(product.name) ?? []);
    const measured = evidence.measured?.get(product.name);
    // What was measured for this question wins over older history.
    if (measured !== undefined)
      costs.set(product.name, {
        seconds: constant(measured / question.cpuSpeed),
        source: `measured on this machine: one job on a sample step at ${question.grid}° (decode, compute, encode; not the store or the delivery)`,
      });
    else if (values)
      costs.set(product.name, {
        seconds: scaled(values, 1 / question.cpuSpeed),
        source: `${question.jobTime === "cpu" ? "CPU" : "wall"} seconds of ${recorded.get(product.name)!.length} recorded jobs at ${question.grid}° (${onGrid.length} cycle${onGrid.length === 1 ? "" : "s"})`,
      });
    else missing.push(product.name);
  }
  if (missing.length) {
    const grids = [...new Set(evidence.records.flatMap((c) => (c.grid === null ? [] : [c.grid])))];
    throw new PlanInputError(
      `no job seconds for ${missing.join(", ")} at ${question.grid}°: no recorded cycle on that grid ran ${missing.length > 1 ? "them" : "it"}${grids.length ? ` (recorded grids: ${grids.map((g) => `${g}°`).join(", ")})` : " (no cycle is recorded in this database)"}`,
      "measure them on this machine with --measure (runs each product once on a sample step), or record a cycle at that grid",
    );
  }
  return costs;
}

/**
 * Recorded lateness in seconds of real time, from every recorded cycle: each file's against its cycle's
 * fit (the first file's apart), and, for cycles streamed in real time, the whole cycle's.
 */
function recordedLateness(records: readonly RecordedCycle[]): {
  jitter: Placed[];
  first: number[];
  delay: number[];
  cycles: number;
} {
  const minuteOf = new Map(stepArrivals(360).map((a) => [a.step, a.minute]));
  const jitter: Placed[] = [];
  const first: number[] = [];
  const delay: number[] = [];
  let cycles = 0;
  for (const record of records) {
    const fit = learn.fitStream(record, minuteOf);
    if (!fit) continue;
    cycles++;
    const toReal = 60 / fit.secondsPerMinute;
    fit.lateness.forEach((r, i) => {
      if (i === 0) first.push(r.value * toReal);
      else jitter.push({ value: r.value * toReal, position: r.position });
    });
    if (learn.realTime(fit)) delay.push(fit.interceptSeconds);
  }
  return { jitter, first, delay, cycles };
}

function streamModel(
  question: PlanQuestion,
  evidence: PlanEvidence,
  onGrid: readonly RecordedCycle[],
  products: readonly CycleProduct[],
  jobs: ReadonlyMap<string, { seconds: Distribution }>,
  warnings: string[],
): { stream: StreamModel; report: InputsReport["stream"] } {
  const selected = selectSteps(stepArrivals(360), question.steps);
  if (selected.length === 0)
    throw new PlanInputError(
      `no step of ECMWF's schedule (0-90 hourly, 93-144 3-hourly, 150-360 6-hourly) is in "${question.steps}"`,
    );
  const secondsPerMinute = 60 / question.timeFactor;
  const toStream = 1 / question.timeFactor;
  const steps = selected.map((a) => ({
    step: a.step,
    minute: a.minute,
    jobs: products
      .filter((p) => p.steps.includes(a.step))
      .map((p) => ({ product: p.name, weight: p.weight ?? 0, seconds: jobs.get(p.name)!.seconds })),
  }));
  const last = steps.filter((s) => s.jobs.length > 0).at(-1);
  if (!last)
    throw new PlanInputError(
      `none of the products (${products.map((p) => p.name).join(", ")}) is made for steps ${question.steps}`,
      "choose steps the products are made for (their configurations' steps)",
    );
  const lateness = recordedLateness(evidence.records);
  const given = (spec: string | undefined, what: string) => (spec ? parseDistribution(spec, what) : null);
  const jitterGiven = given(question.jitter, "--jitter");
  const jitterRecorded = stagedEmpirical(lateness.jitter);
  if (!jitterGiven && !jitterRecorded)
    warnings.push(
      "no recorded arrivals: every step is taken to arrive on ECMWF's schedule; --jitter models lateness (e.g. exp:10s)",
    );
  const jitter = jitterGiven ?? (jitterRecorded ? scaled(jitterRecorded, toStream) : constant(0));
  const firstRecorded = empirical(lateness.first);
  const firstLateness = jitterGiven ?? (firstRecorded ? scaled(firstRecorded, toStream) : jitter);
  const delayGiven = given(question.delay, "--delay");
  const delayRecorded = empirical(lateness.delay);
  const delay = delayGiven ?? (delayRecorded ? scaled(delayRecorded, toStream) : constant(0));
  const registrations = onGrid.map((c) => learn.registrations(c, evidence.ingestConcurrency));
  const ingestRecorded = stagedEmpirical(registrations.flatMap((r) => r.rest));
  if (!ingestRecorded)
    warnings.push(
      `no recorded registrations at ${question.grid}°: a file's jobs are taken to be ready the moment it arrives`,
    );
  const ingest = ingestRecorded ?? constant(0);
  const firstIngest = empirical(registrations.flatMap((r) => (r.first === null ? [] : [r.first]))) ?? ingest;
  const source = (
    used: Distribution,
    g: Distribution | null,
    recorded: Distribution | null,
    what: string,
  ): Sourced => ({
    source: g ? "given" : recorded ? what : "none recorded",
    description: describeDistribution(used),
  });
  return {
    stream: {
      steps,
      secondsPerMinute,
      jitter,
      firstLateness,
      delay,
      ingestSeconds: ingest,
      firstIngestSeconds: firstIngest,
      ingestServers: evidence.ingestConcurrency,
      triggerSeconds: stagedEmpirical(registrations.flatMap((r) => r.trigger)) ?? constant(0),
    },
    report: {
      steps: steps.length,
      stepsWithJobs: steps.filter((s) => s.jobs.length > 0).length,
      lastStepWithJobs: last.step,
      secondsPerMinute,
      jitter: source(
        jitter,
        jitterGiven,
        jitterRecorded,
        `each file's transfer lateness, ${lateness.jitter.length} recorded arrivals of ${lateness.cycles} cycles`,
      ),
      firstLateness: source(
        firstLateness,
        jitterGiven,
        firstRecorded,
        `the first file's, ${lateness.first.length} recorded cycles`,
      ),
      delay: source(
        delay,
        delayGiven,
        delayRecorded,
        `the whole cycle's lateness, ${lateness.delay.length} recorded real-time cycles`,
      ),
      ingest: {
        source: ingestRecorded ? `recorded registrations at ${question.grid}°` : "none recorded",
        description: `${describeDistribution(ingest)}; the first file ${describeDistribution(firstIngest)}`,
      },
    },
  };
}

/** What a node's first job costs more than later ones, as recorded at the grid (none known otherwise). */
function coldExtra(question: PlanQuestion, onGrid: readonly RecordedCycle[]): Distribution {
  const extras = empirical(learn.firstJobExtras(onGrid, question.jobTime));
  return extras ? scaled(extras, 1 / question.cpuSpeed) : constant(0);
}

interface NodeEvidence {
  model: NodeModel;
  samples: ProvisionSample[];
  source: string;
  workerStart: Sourced;
  teardown: Sourced;
  failureSource: string;
}

function nodeModel(
  question: PlanQuestion,
  evidence: PlanEvidence,
  onGrid: readonly RecordedCycle[],
  warnings: string[],
): NodeEvidence {
  const provider = question.provider;
  const ofProvider = evidence.records.filter((c) => c.nodes.some((n) => n.provider === provider));
  let samples = [...evidence.samples];
  let provision: NodeModel["provision"];
  let source: string;
  if (samples.length > 0) {
    provision = recordedProvisioning(samples);
    source = `${samples.length} recorded ${provider} provisioning times`;
  } else if (provider === "cloudsigma") {
    provision = modelledProvisioning(thesisLatency, evidence.fleet.cloudsigma.concurrency);
    // The learned lead time of a fleet that had seen provisions like these.
    const random = seededRandom(question.seed);
    // As the controller records them: every node of a batch, with the batch's size.
    samples = [1, 4, 8, 16].flatMap((batch) =>
      Array.from({ length: Math.ceil(50 / batch) }, () => provision(batch, random)).flatMap((times) =>
        times.map((seconds) => ({ batchSize: batch, seconds })),
      ),
    );
    source = `the thesis's measurements on CloudSigma (15-30 s with at most 4 at once, 60-90 s beyond), ${evidence.fleet.cloudsigma.concurrency} at a time: no ${provider} provisioning is recorded here`;
    warnings.push(`no recorded ${provider} provisioning: the thesis's figures are used`);
  } else
    throw new PlanInputError(
      `no recorded provisioning for ${provider} nodes in this database`,
      "run a cycle with this provider first (`cloudburst demo` records one; plan against its database with `cloudburst -c .cloudburst/demo/demo.yaml plan ...`)",
    );
  const starts = empirical(ofProvider.flatMap(learn.workerStarts));
  const teardowns = empirical(ofProvider.flatMap((c) => learn.teardown(c) ?? []));
  const fallbackTeardown: Distribution =
    provider === "cloudsigma" ? { kind: "uniform", min: 3, max: 6 } : constant(0);
  const failures = learn.failureCounts(evidence.records, provider);
  const dispatch = learn.medianOr(onGrid.flatMap(learn.dispatchDelays), 0);
  return {
    model: {
      provision,
      workerStartSeconds: starts ?? constant(0),
      teardownSeconds: teardowns ?? fallbackTeardown,
      failureRate: failures.asked > 0 ? failures.failed / failures.asked : 0,
      dispatchSeconds: dispatch,
      firstJobExtraSeconds: coldExtra(question, onGrid),
      deliveryTailSeconds: learn.medianOr(onGrid.flatMap(learn.deliveryTails), 0),
    },
    samples,
    source,
    workerStart: {
      source: starts ? `recorded ${provider} nodes` : "none recorded",
      description: describeDistribution(starts ?? constant(0)),
    },
    teardown: {
      source: teardowns
        ? `recorded ${provider} cycles (last job to last node gone)`
        : provider === "cloudsigma"
          ? "CloudSigma's stop (2-4 s) and delete (1-2 s), as the simulator has them"
          : "none recorded",
      description: describeDistribution(teardowns ?? fallbackTeardown),
    },
    failureSource:
      failures.asked > 0
        ? `${failures.failed} of ${failures.asked} recorded provisions failed`
        : "none recorded",
  };
}

function billingModel(
  question: PlanQuestion,
  evidence: PlanEvidence,
  warnings: string[],
): { model: BillingModel; report: InputsReport["billing"] } {
  const cloud = question.provider === "cloudsigma";
  const prices = evidence.prices;
  const perCpu =
    question.pricePerCpuHour ??
    (evidence.fleet.nodePricePerHour > 0 ? evidence.fleet.nodePricePerHour : null);
  const nodePrice = (cpus: number): number =>
    perCpu !== null ? perCpu * cpus : cloud && prices ? pricePerHour(prices, cpus, goldenShape) : 0;
  const currency = perCpu !== null || !prices ? evidence.fleet.currency : prices.currency;
  const source =
    question.pricePerCpuHour !== undefined
      ? "given per CPU-hour"
      : perCpu !== null
        ? "fleet.nodePricePerHour, per CPU"
        : cloud && prices
          ? prices.source
          : "local processes cost nothing";
  if (cloud && perCpu === null && !prices)
    warnings.push("no price list: costs are 0; pass --prices or --price-per-cpu-hour");
  const dataServerShape = { ...goldenShape, diskGiB: 100 };
  const dataServerPerHour = cloud
    ? perCpu !== null
      ? perCpu * question.dataServerCpus
      : prices
        ? pricePerHour(prices, question.dataServerCpus, dataServerShape)
        : 0
    : null;
  const cyclesPerMonth = question.cyclesPerDay * 30;
  const vlan = prices?.perMonth.vlan ?? null;
  const ip = prices?.perMonth.ip ?? null;
  const { vlan: vlans, ip: ips } = question.subscriptions;
  const subscriptionsUnpriced = (vlans > 0 && vlan === null) || (ips > 0 && ip === null);
  const subscriptionsPerMonth =
    !cloud || subscriptionsUnpriced ? null : vlans * (vlan ?? 0) + ips * (ip ?? 0);
  if (cloud && subscriptionsUnpriced)
    warnings.push(
      `${vlans} VLAN and ${ips} IP subscriptions are not in the costs: the price list has no price for them (pass --prices)`,
    );
  const rounding = question.billingRounding ?? "prorated";
  return {
    model: {
      currency,
      nodePricePerHour: nodePrice,
      periodSeconds: cloud ? 300 : 1,
      rounding,
      dataServer:
        dataServerPerHour === null
          ? null
          : { pricePerHour: dataServerPerHour, leadSeconds: evidence.fleet.dataServerLeadSeconds },
      subscriptionsPerCycle: subscriptionsPerMonth === null ? null : subscriptionsPerMonth / cyclesPerMonth,
      cyclesPerMonth,
    },
    report: {
      currency,
      source,
      nodePricePerHour: Object.fromEntries(question.nodeSizes.map((c) => [`${c}cpu`, nodePrice(c)])),
      rounding:
        rounding === "prorated"
          ? "each 5-minute billing cycle bills the seconds used in it"
          : "every 5-minute period a node is alive in is billed in full",
      periodSeconds: cloud ? 300 : 1,
      dataServerPerHour,
      subscriptionsPerMonth,
    },
  };
}
