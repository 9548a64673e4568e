// What the planner simulates, as plain data: the stream of a cycle, its jobs, how nodes come and go,
// how the fleet controller runs, and how the provider bills. Everything here is learned from history
// or given by the operator at the edge (plan/inputs.ts); the simulation itself reads nothing else.
import type { AutoscaleSettings } from "../fleet/autoscale.ts";
import type { FleetConfig } from "../fleet/config.ts";
import type { ProvisionSample } from "../fleet/leadtime.ts";
import type { Distribution } from "./distribution.ts";
import type { Random } from "./random.ts";

export interface JobPlan {
  product: string;
  /** The suite's priority within a step: heavier jobs (more fields written) are taken first. */
  weight: number;
  /** Seconds the job holds a node's CPU slot. */
  seconds: Distribution;
}

export interface StreamStep {
  step: number;
  /** Minutes after the base time at which ECMWF's schedule disseminates the step. */
  minute: number;
  /** The step's product jobs, in the order a node takes them (heaviest first). */
  jobs: JobPlan[];
}

export interface StreamModel {
  /** Every step of the stream in schedule order, with or without jobs. */
  steps: StreamStep[];
  /** Seconds of this stream per minute of ECMWF's schedule: 60 in real time, 6 at the demo's 10×. */
  secondsPerMinute: number;
  /**
   * Each file's lateness (seconds at this stream's rate, drawn per file): it arrives that long after
   * it was due, or after the file before it arrived if that was later (files are sent one at a time).
   */
  jitter: Distribution;
  /**
   * The first file's own lateness, instead of `jitter`: whoever sends the stream has to start (log in,
   * open the first file), which the files after it do not pay.
   */
  firstLateness: Distribution;
  /** The whole cycle's lateness (seconds), drawn once per cycle. */
  delay: Distribution;
  /**
   * The data server's registration of one file, `ingestServers` files at a time in arrival order; the
   * first file's apart (a cold start). The flow engine then triggers the step's jobs, one step after
   * the other, `triggerSeconds` after it and every earlier step are registered (the suite's step meter).
   */
  ingestSeconds: Distribution;
  firstIngestSeconds: Distribution;
  ingestServers: number;
  triggerSeconds: Distribution;
}

export interface NodeModel {
  /**
   * Seconds from asking for `batch` nodes at once to each being reported running (queueing behind
   * the provider's concurrency included).
   */
  provision: (batch: number, random: Random) => number[];
  /** From the provider reporting a node running to its worker taking jobs. */
  workerStartSeconds: Distribution;
  /** From a destroy request to the provider confirming the node gone (its billing ends). */
  teardownSeconds: Distribution;
  /** Share of provisions that fail; a failed node is not billed and the fleet asks again. */
  failureRate: number;
  /** From a job being ready (or a slot freeing) to it running: the queue's fetch. */
  dispatchSeconds: number;
  /** What a node's first job takes more than the same job later (loading and compiling the product code). */
  firstJobExtraSeconds: Distribution;
  /** From a step's last job ending to its last product being delivered (negative: inside the job). */
  deliveryTailSeconds: number;
}

export interface ControllerModel {
  /** The fleet controller's pass interval (fleet.reconcileIntervalSeconds). */
  intervalSeconds: number;
  /** Nudges (data, job changes) bring a pass at most this often. */
  nudgeGapSeconds: number;
  /** A pass's own time (database and provider calls) before its creates and destroys begin. */
  passSeconds: number;
  leadTime: FleetConfig["leadTime"];
  /** Provisioning samples recorded before the cycle, newest first: the learned lead time's input. */
  samples: readonly ProvisionSample[];
}

export type PolicyName = "thesis" | "learned-lead" | "autoscale";

/** Fixed N nodes of `cpus` CPUs, asked for `leadSeconds` before the first data, kept to the end. */
export interface FixedPolicy {
  name: "thesis" | "learned-lead";
  nodes: number;
  cpus: number;
  leadSeconds: number;
}

/** The fleet's autoscaler (fleet/autoscale.ts) at most `maxNodes` nodes of `cpus` CPUs. */
export interface AutoscalePolicy {
  name: "autoscale";
  maxNodes: number;
  cpus: number;
  backlogSeconds: number;
  maxUtilisation: number;
}

export type Policy = FixedPolicy | AutoscalePolicy;

export interface BillingModel {
  currency: string;
  /** Price per hour of one node with `cpus` CPUs. */
  nodePricePerHour: (cpus: number) => number;
  /** The provider's billing period (CloudSigma: 5 minutes). */
  periodSeconds: number;
  /** prorated: the seconds used in each period; period: every period a node is alive in, in full. */
  rounding: "prorated" | "period";
  /** The data server: up from `leadSeconds` before the first data until the cycle is delivered. */
  dataServer: { pricePerHour: number; leadSeconds: number } | null;
  /** VLAN and IP subscriptions per cycle (paid monthly whatever the cycles do); null when unpriced. */
  subscriptionsPerCycle: number | null;
  cyclesPerMonth: number;
}

export type { AutoscaleSettings };
