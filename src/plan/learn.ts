// What past cycles teach the planner, computed from their records alone (pure): how the stream kept
// ECMWF's schedule (its rate, and each step's lateness against it), how long registration, the queue's
// fetch, each product's job, a worker's start and a node's teardown took, and how often a provision failed.
import { nearestRank } from "./distribution.ts";
import type { RecordedCycle, RecordedJob } from "./records.ts";

/** How a cycle's files kept the schedule: t = base + intercept + rate × minute, and each file's residual. */
export interface StreamFit {
  /** Seconds of stream per schedule minute: 60 in real time, 6 at the demo's 10×. */
  secondsPerMinute: number;
  /** Seconds after the base time at which minute 0 of the schedule fell. */
  interceptSeconds: number;
  /** Each file's lateness against the fit (seconds at the cycle's own rate). */
  residuals: number[];
}

const median = (values: readonly number[]) =>
  nearestRank(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const seconds = (later: Date, earlier: Date) => (later.getTime() - earlier.getTime()) / 1000;

/**
 * A robust fit of the files' arrivals against the schedule's minutes: the rate is the median of the
 * consecutive files' rates, the intercept the median offset (a late step does not bend the line).
 * Null with fewer than three files.
 */
export function fitStream(cycle: RecordedCycle, minuteOf: ReadonlyMap<number, number>): StreamFit | null {
  const points = cycle.files
    .filter((f) => minuteOf.has(f.step))
    .map((f) => ({ minute: minuteOf.get(f.step)!, t: seconds(f.receivedAt, cycle.baseTime) }))
    .sort((a, b) => a.minute - b.minute || a.t - b.t);
  if (points.length < 3) return null;
  const rates = points.slice(1).flatMap((p, i) => {
    const dm = p.minute - points[i]!.minute;
    return dm > 0 ? [(p.t - points[i]!.t) / dm] : [];
  });
  if (rates.length === 0) return null;
  const rate = median(rates);
  if (!(rate > 0)) return null;
  const intercept = median(points.map((p) => p.t - rate * p.minute));
  return {
    secondsPerMinute: rate,
    interceptSeconds: intercept,
    residuals: points.map((p) => p.t - intercept - rate * p.minute),
  };
}

/** A cycle ran at ECMWF's own pace (not a compressed demonstration) when its rate is within 5 % of 60 s a minute. */
export const realTime = (fit: StreamFit) => Math.abs(fit.secondsPerMinute - 60) <= 3;

/**
 * The data server's registration time of each file, as a queue: from the file's arrival, or from the
 * previous file's registration if that ended later, to its jobs' data being ready. The first file's apart.
 */
export function registrations(cycle: RecordedCycle): { first: number | null; rest: number[] } {
  const ready = new Map<number, number>();
  for (const job of cycle.jobs) {
    if (!job.readyAt) continue;
    const t = job.readyAt.getTime();
    ready.set(job.step, Math.min(ready.get(job.step) ?? t, t));
  }
  const files = cycle.files
    .filter((f) => ready.has(f.step))
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  const services = files.map((f, i) => {
    const previous = i > 0 ? ready.get(files[i - 1]!.step)! : Number.NEGATIVE_INFINITY;
    return Math.max(0, (ready.get(f.step)! - Math.max(f.receivedAt.getTime(), previous)) / 1000);
  });
  return { first: services[0] ?? null, rest: services.slice(1) };
}

const finished = (job: RecordedJob): job is RecordedJob & { startedAt: Date; endedAt: Date } =>
  job.startedAt !== null && job.endedAt !== null;

/** The jobs each worker ran first: they pay for loading the product code, which later jobs do not. */
function firstJobs(cycle: RecordedCycle): Set<RecordedJob & { startedAt: Date; endedAt: Date }> {
  return new Set([...byWorker(cycle).values()].map((jobs) => jobs[0]!));
}

/**
 * Each product's job seconds, of jobs that were not their node's first: wall time on the node (what
 * holds a CPU slot: the work, the store and the delivery), or the CPU seconds the job reported.
 */
export function jobSeconds(cycles: readonly RecordedCycle[], measure: "wall" | "cpu"): Map<string, number[]> {
  const byProduct = new Map<string, number[]>();
  for (const cycle of cycles) {
    const first = firstJobs(cycle);
    for (const job of cycle.jobs) {
      if (first.has(job as RecordedJob & { startedAt: Date; endedAt: Date })) continue;
      const value =
        measure === "cpu" ? job.cpuSeconds : finished(job) ? seconds(job.endedAt, job.startedAt) : null;
      if (value === null || !Number.isFinite(value)) continue;
      byProduct.set(job.product, [...(byProduct.get(job.product) ?? []), value]);
    }
  }
  return byProduct;
}

/** What each node's first job took more than the median of the same product's later jobs. */
export function firstJobExtras(cycles: readonly RecordedCycle[], measure: "wall" | "cpu"): number[] {
  const warm = jobSeconds(cycles, measure);
  const medians = new Map([...warm].map(([product, values]) => [product, median(values)]));
  return cycles.flatMap((cycle) =>
    [...firstJobs(cycle)].flatMap((job) => {
      const value = measure === "cpu" ? job.cpuSeconds : seconds(job.endedAt, job.startedAt);
      const typical = medians.get(job.product);
      return value === null || typical === undefined ? [] : [Math.max(0, value - typical)];
    }),
  );
}

/** Jobs by worker, in the order they ran. */
function byWorker(
  cycle: RecordedCycle,
): Map<string, Array<RecordedJob & { startedAt: Date; endedAt: Date }>> {
  const workers = new Map<string, Array<RecordedJob & { startedAt: Date; endedAt: Date }>>();
  for (const job of cycle.jobs) {
    if (!finished(job) || !job.worker) continue;
    workers.set(job.worker, [...(workers.get(job.worker) ?? []), job]);
  }
  for (const jobs of workers.values()) jobs.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  return workers;
}

/** The queue's fetch: a job's start after its data, or after its worker's previous job, whichever was later. */
export function dispatchDelays(cycle: RecordedCycle): number[] {
  const delays: number[] = [];
  for (const jobs of byWorker(cycle).values())
    for (let i = 1; i < jobs.length; i++) {
      const job = jobs[i]!;
      if (!job.readyAt) continue;
      const free = Math.max(job.readyAt.getTime(), jobs[i - 1]!.endedAt.getTime());
      delays.push(Math.max(0, (job.startedAt.getTime() - free) / 1000));
    }
  return delays;
}

/** From the provider's "running" to the worker's first job, for nodes whose first job was waiting for them. */
export function workerStarts(cycle: RecordedCycle): number[] {
  const workers = byWorker(cycle);
  return cycle.nodes.flatMap((node) => {
    const first = workers.get(node.name)?.[0];
    if (!node.readyAt || !first?.readyAt || first.readyAt > node.readyAt) return [];
    return [Math.max(0, seconds(first.startedAt, node.readyAt))];
  });
}

/** From the cycle's last job ending to its last node gone: the release and the provider's teardown. */
export function teardown(cycle: RecordedCycle): number | null {
  const ends = cycle.jobs.flatMap((j) => (j.endedAt ? [j.endedAt.getTime()] : []));
  const gone = cycle.nodes.flatMap((n) => (n.goneAt && !n.failed ? [n.goneAt.getTime()] : []));
  if (ends.length === 0 || gone.length === 0) return null;
  return Math.max(0, (Math.max(...gone) - Math.max(...ends)) / 1000);
}

/** Per step: from its last job's end to its last product delivered (negative when delivered inside the job). */
export function deliveryTails(cycle: RecordedCycle): number[] {
  const ends = new Map<number, number>();
  for (const job of cycle.jobs)
    if (job.endedAt) ends.set(job.step, Math.max(ends.get(job.step) ?? 0, job.endedAt.getTime()));
  return cycle.delivered.flatMap((d) => {
    const end = ends.get(d.step);
    return end === undefined ? [] : [(d.at.getTime() - end) / 1000];
  });
}

/** Provisions that failed, of all asked for. */
export function failureCounts(
  cycles: readonly RecordedCycle[],
  provider: string,
): { asked: number; failed: number } {
  const nodes = cycles.flatMap((c) => c.nodes.filter((n) => n.provider === provider));
  return { asked: nodes.length, failed: nodes.filter((n) => n.failed).length };
}

/** The median of values, or a fallback when there are none. */
export function medianOr(values: readonly number[], fallback: number): number {
  return values.length ? median(values) : fallback;
}
