// What past cycles teach the planner, computed from their records alone (pure): how the stream kept
// ECMWF's schedule (its rate, and each file's transfer lateness), how long registration, the queue's
// fetch, each product's job, a worker's start and a node's teardown took, and how often a provision failed.
import { nearestRank, type Placed } from "./distribution.ts";
import type { RecordedCycle, RecordedJob } from "./records.ts";

/**
 * How a cycle's files kept the schedule they were sent on, t = base + intercept + rate × minute, and
 * each file's lateness as a transfer: a file goes when it is due or when the one before has arrived,
 * whichever is later, and arrives `lateness` after that. A stream the line cannot carry (files larger
 * than the gaps allow) falls behind and catches up where the gaps widen, as a real one would.
 */
export interface StreamFit {
  /** Seconds of stream per schedule minute: 60 in real time, 6 at the demo's 10×. */
  secondsPerMinute: number;
  /** Seconds after the base time at which minute 0 of the schedule fell. */
  interceptSeconds: number;
  /** Each file's transfer lateness, in schedule order (seconds at the cycle's own rate). */
  lateness: Placed[];
}

const median = (values: readonly number[]) =>
  nearestRank(
    [...values].sort((a, b) => a - b),
    0.5,
  );
const seconds = (later: Date, earlier: Date) => (later.getTime() - earlier.getTime()) / 1000;

/** Values in stream order, with where each falls in the stream (0 the first, 1 the last). */
const placed = (values: readonly number[]): Placed[] =>
  values.map((value, i) => ({ value, position: values.length > 1 ? i / (values.length - 1) : 0 }));

interface Point {
  minute: number;
  t: number;
}

/** The lower convex hull of points sorted by minute (Andrew's monotone chain). */
function lowerHull(points: readonly Point[]): Point[] {
  const hull: Point[] = [];
  const cross = (o: Point, a: Point, b: Point) =>
    (a.minute - o.minute) * (b.t - o.t) - (a.t - o.t) * (b.minute - o.minute);
  for (const p of points) {
    while (hull.length >= 2 && cross(hull[hull.length - 2]!, hull[hull.length - 1]!, p) <= 0) hull.pop();
    hull.push(p);
  }
  return hull;
}

/** The line under every arrival that the most arrivals touch (an edge of their lower hull). */
function touchedLine(points: readonly Point[]): { rate: number; intercept: number } | null {
  const gaps = points
    .slice(1)
    .map((p, i) => p.t - points[i]!.t)
    .filter((g) => g > 0);
  const tolerance = Math.max(0.01, 0.1 * median(gaps));
  let best: { rate: number; intercept: number; touching: number } | null = null;
  const hull = lowerHull(points);
  for (let i = 1; i < hull.length; i++) {
    const [a, b] = [hull[i - 1]!, hull[i]!];
    const rate = (b.t - a.t) / (b.minute - a.minute);
    if (!(rate > 0)) continue;
    const intercept = a.t - rate * a.minute;
    const touching = points.filter((p) => p.t - intercept - rate * p.minute <= tolerance).length;
    if (!best || touching > best.touching) best = { rate, intercept, touching };
  }
  return best;
}

/**
 * The schedule the files were sent on: no file arrives before it is due. When the fleet knew when the
 * first data was due, the line starts there and is the steepest that stays under every arrival (files
 * that were not held up arrive just after they are due); otherwise it is the line under the arrivals
 * that the most of them touch. Null with fewer than three files.
 */
export function fitStream(cycle: RecordedCycle, minuteOf: ReadonlyMap<number, number>): StreamFit | null {
  const points = cycle.files
    .filter((f) => minuteOf.has(f.step))
    .map((f) => ({ minute: minuteOf.get(f.step)!, t: seconds(f.receivedAt, cycle.baseTime) }))
    .sort((a, b) => a.minute - b.minute || a.t - b.t);
  if (points.length < 3) return null;
  const first = points[0]!;
  const anchor = cycle.firstDataAt ? seconds(cycle.firstDataAt, cycle.baseTime) : null;
  const later = points.filter((p) => p.minute > first.minute);
  const line =
    anchor !== null && later.length > 0
      ? (() => {
          const rate = Math.min(...later.map((p) => (p.t - anchor) / (p.minute - first.minute)));
          return rate > 0 ? { rate, intercept: anchor - rate * first.minute } : null;
        })()
      : touchedLine(points);
  if (!line) return null;
  const { rate, intercept } = line;
  const lateness = points.map((p, i) => {
    const due = intercept + rate * p.minute;
    return Math.max(0, p.t - Math.max(due, i > 0 ? points[i - 1]!.t : Number.NEGATIVE_INFINITY));
  });
  return { secondsPerMinute: rate, interceptSeconds: intercept, lateness: placed(lateness) };
}

/** A cycle ran at ECMWF's own pace (not a compressed demonstration) when its rate is within 5 % of 60 s a minute. */
export const realTime = (fit: StreamFit) => Math.abs(fit.secondsPerMinute - 60) <= 3;

/**
 * The data server's registration of each file, as the ingest pipeline runs it: `servers` files at a
 * time, in arrival order, each from its arrival (or a free place, if later) to its fields registered;
 * the first file's apart (a cold start). And the flow engine's reaction, one step after the other: from
 * the step's data being in (this file and every earlier one registered), or the previous step's
 * trigger if later, to its jobs' data trigger.
 */
export function registrations(
  cycle: RecordedCycle,
  servers: number,
): { first: number | null; rest: Placed[]; trigger: Placed[] } {
  const files = cycle.files
    .filter((f): f is typeof f & { registeredAt: Date } => f.registeredAt !== null)
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  const ready = new Map<number, number>();
  for (const job of cycle.jobs)
    if (job.readyAt)
      ready.set(job.step, Math.min(ready.get(job.step) ?? Number.POSITIVE_INFINITY, job.readyAt.getTime()));
  const done: number[] = [];
  const services: number[] = [];
  const trigger: number[] = [];
  let allIn = Number.NEGATIVE_INFINITY;
  let previous = Number.NEGATIVE_INFINITY;
  for (const file of files) {
    // A place frees when all but servers − 1 of the earlier files are registered.
    const sorted = [...done].sort((x, y) => x - y);
    const free = sorted.length >= servers ? sorted[sorted.length - servers]! : Number.NEGATIVE_INFINITY;
    const registered = file.registeredAt.getTime();
    services.push(Math.max(0, (registered - Math.max(file.receivedAt.getTime(), free)) / 1000));
    done.push(registered);
    allIn = Math.max(allIn, registered);
    const r = ready.get(file.step);
    if (r === undefined) continue;
    trigger.push(Math.max(0, (r - Math.max(allIn, previous)) / 1000));
    previous = Math.max(previous, r);
  }
  return { first: services[0] ?? null, rest: placed(services).slice(1), trigger: placed(trigger) };
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
export function jobSeconds(cycles: readonly RecordedCycle[], measure: "wall" | "cpu"): Map<string, Placed[]> {
  const byProduct = new Map<string, Placed[]>();
  for (const cycle of cycles) {
    const first = firstJobs(cycle);
    const steps = [...new Set(cycle.jobs.map((j) => j.step))].sort((a, b) => a - b);
    const position = new Map(steps.map((step, i) => [step, steps.length > 1 ? i / (steps.length - 1) : 0]));
    for (const job of cycle.jobs) {
      if (first.has(job as RecordedJob & { startedAt: Date; endedAt: Date })) continue;
      const value =
        measure === "cpu" ? job.cpuSeconds : finished(job) ? seconds(job.endedAt, job.startedAt) : null;
      if (value === null || !Number.isFinite(value)) continue;
      const list = byProduct.get(job.product) ?? [];
      list.push({ value, position: position.get(job.step)! });
      byProduct.set(job.product, list);
    }
  }
  return byProduct;
}

/** What each node's first job took more than the median of the same product's later jobs. */
export function firstJobExtras(cycles: readonly RecordedCycle[], measure: "wall" | "cpu"): number[] {
  const warm = jobSeconds(cycles, measure);
  const medians = new Map(
    [...warm].map(([product, values]) => [product, median(values.map((v) => v.value))]),
  );
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

/**
 * Per node that ran jobs: from its last job's end to its being gone (its release and the provider's
 * destroy; longer for a node kept idle after its last job).
 */
export function nodeTeardowns(cycle: RecordedCycle): number[] {
  const workers = byWorker(cycle);
  return cycle.nodes.flatMap((node) => {
    const last = workers.get(node.name)?.at(-1);
    return last && node.goneAt && !node.failed ? [Math.max(0, seconds(node.goneAt, last.endedAt))] : [];
  });
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
