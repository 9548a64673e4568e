// A cycle's demand for compute, read from its suite: product jobs waiting for a node, running, or
// still waiting for their data, when their data came in (the stream's pace), and how long jobs take.
// The fleet's autoscaler asks this on every pass; the fleet itself knows nothing of suites.
import type pg from "pg";
import { type ComputeDemand, nextArrival } from "../fleet/autoscale.ts";
import type { Cycle } from "../fleet/plan.ts";
import { findSuiteId, recentRunTimes, type TaskStatusRow, tasksUnder } from "../flow/engine/queries.ts";
import { type StepArrival, stepArrivals } from "./dissemination.ts";
import { baseTimeOfKey, cycleSuiteName, PRODUCTS_FAMILY, stepOfPath } from "./names.ts";

export interface StepProgress {
  step: number;
  jobs: number;
  arrived: Date | null;
}

/**
 * When the next step's data is due by ECMWF's dissemination schedule, which is published and which the
 * stream follows: the last arrival plus the schedule's gap to the next step, at the rate the stream has
 * kept against the schedule lately (1 in production; the demo's time factor). Unlike a pace learned
 * from the last gaps alone, it knows where the hourly steps end and the 3- and 6-hourly ones begin.
 * Null before two steps have arrived, or when no step is still to come.
 */
export function scheduledNextArrival(
  steps: readonly StepProgress[],
  schedule: readonly StepArrival[] = stepArrivals(),
): { at: Date; jobs: number; paceSeconds: number; gaps: number } | null {
  const minute = new Map(schedule.map((s) => [s.step, s.minute]));
  const arrived = steps
    .filter((s): s is StepProgress & { arrived: Date } => s.arrived !== null && minute.has(s.step))
    .sort((a, b) => a.step - b.step);
  const last = arrived.at(-1);
  const next = steps.find((s) => s.arrived === null && last !== undefined && s.step > last.step);
  if (!last || !next || !minute.has(next.step)) return null;
  // Seconds of stream per minute of schedule, over the last three gaps the schedule says are gaps.
  const rates = arrived
    .slice(1)
    .map((s, i) => ({
      seconds: (s.arrived.getTime() - arrived[i]!.arrived.getTime()) / 1000,
      minutes: minute.get(s.step)! - minute.get(arrived[i]!.step)!,
    }))
    .filter((g) => g.minutes > 0)
    .slice(-3)
    .map((g) => g.seconds / g.minutes)
    .sort((a, b) => a - b);
  if (rates.length === 0) return null;
  const rate = rates[Math.floor(rates.length / 2)]!;
  const gapSeconds = rate * (minute.get(next.step)! - minute.get(last.step)!);
  return {
    at: new Date(last.arrived.getTime() + gapSeconds * 1000),
    jobs: next.jobs,
    paceSeconds: gapSeconds,
    gaps: rates.length,
  };
}

/** The product jobs' backlog: waiting for a node, running, waiting for data, and their data's arrivals. */
export function backlogOf(tasks: readonly TaskStatusRow[], now: Date) {
  const queued = tasks.filter(
    (t) => t.state === "submitted" || (t.state === "queued" && t.dataReadyAt !== null),
  );
  const since = queued.map((t) => (t.state === "submitted" ? t.stateSince : t.dataReadyAt!).getTime());
  return {
    queued: queued.length,
    running: tasks.filter((t) => t.state === "active").length,
    oldestQueuedSeconds: since.length ? Math.max(0, (now.getTime() - Math.min(...since)) / 1000) : 0,
    waitingForData: tasks.filter((t) => t.state === "queued" && t.dataReadyAt === null).length,
    arrivals: tasks.flatMap((t) => (t.dataReadyAt ? [t.dataReadyAt] : [])),
    busyNodes: [...new Set(tasks.flatMap((t) => (t.state === "active" && t.worker ? [t.worker] : [])))],
  };
}

/** Per step family: its jobs, and when the first of them had its data (null while none has). */
export function stepProgress(tasks: readonly TaskStatusRow[]): StepProgress[] {
  const steps = new Map<number, StepProgress>();
  for (const task of tasks) {
    const step = stepOfPath(task.path);
    if (step === null) continue;
    const entry = steps.get(step) ?? { step, jobs: 0, arrived: null };
    entry.jobs++;
    if (task.dataReadyAt && (!entry.arrived || task.dataReadyAt < entry.arrived))
      entry.arrived = task.dataReadyAt;
    steps.set(step, entry);
  }
  return [...steps.values()].sort((a, b) => a.step - b.step);
}

/**
 * The demand of a cycle's product jobs; null when the cycle has no suite here. `filesArriving`: files
 * the data server is receiving or registering now (of this cycle, most likely: their cycle is known
 * only once they are read).
 */
export async function cycleDemand(
  pool: pg.Pool,
  cycle: Cycle,
  filesArriving = 0,
): Promise<ComputeDemand | null> {
  const baseTime = baseTimeOfKey(cycle.cycle);
  if (!baseTime) return null;
  const suite = cycleSuiteName(baseTime);
  const id = await findSuiteId(pool, suite);
  if (!id) return null;
  const products = `/${suite}/${PRODUCTS_FAMILY}`;
  const tasks = await tasksUnder(pool, id, products);
  const backlog = backlogOf(tasks, new Date());
  const runs = await recentRunTimes(pool, id, products);
  const steps = stepProgress(tasks);
  const next = backlog.waitingForData === 0 ? null : comingData(steps, backlog.arrivals, cycle.dataAt);
  const ended = endedSteps(tasks);
  return {
    queued: backlog.queued,
    running: backlog.running,
    oldestQueuedSeconds: backlog.oldestQueuedSeconds,
    waitingForData: backlog.waitingForData,
    nextWorkAt: next?.at ?? null,
    nextWorkJobs: next?.jobs ?? null,
    paceSeconds: next?.paceSeconds ?? null,
    dataArriving: filesArriving > 0,
    busyNodes: backlog.busyNodes,
    jobSeconds: meanJobSeconds(
      runs.map((r) => r.seconds),
      runs.map((r) => stepOfPath(r.path) ?? -1),
      ended.has,
    ),
    wholeStepTimed: ended.any,
  };
}

/**
 * Steps all of whose product jobs have ended: complete, or aborted (run again only when requeued, by
 * its retry or an operator), and whether there is any. A step's aborted job must not keep the job time
 * the first step's heaviest jobs' for the rest of the cycle.
 */
export function endedSteps(tasks: readonly TaskStatusRow[]): {
  has: (step: number) => boolean;
  any: boolean;
} {
  const open = new Set<number>();
  const all = new Set<number>();
  for (const task of tasks) {
    const step = stepOfPath(task.path);
    if (step === null) continue;
    all.add(step);
    if (task.state !== "complete" && task.state !== "aborted") open.add(step);
  }
  return { has: (step) => all.has(step) && !open.has(step), any: [...all].some((step) => !open.has(step)) };
}

/**
 * The seconds the autoscaler expects a job to take, from the latest runs (`seconds[i]` a run of
 * `steps[i]`): their mean over the runs of steps whose jobs have all ended, when there are any. A
 * step's heaviest jobs are taken first (the suite's priorities), so its first runs alone overstate the
 * rest of it, and the autoscaler would start a node for a step one node clears. A mean, not a median:
 * it is multiplied by a number of jobs, and the median of a few heavy and many light products
 * understates their sum (then too few nodes keep up with a fast stream). Null when no job has ended.
 */
export function meanJobSeconds(
  seconds: ArrayLike<number>,
  steps: ArrayLike<number>,
  ended: (step: number) => boolean,
): number | null {
  if (seconds.length === 0) return null;
  let all = 0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < seconds.length; i++) {
    all += seconds[i]!;
    if (ended(steps[i]!)) {
      sum += seconds[i]!;
      count++;
    }
  }
  return count > 0 ? sum / count : all / seconds.length;
}

/**
 * The next data: by the schedule once two steps are in, else from the arrivals' pace. Before any data,
 * the first step's, due when the cycle says (`firstDataAt`), with the first step's jobs. The pace is
 * told only once two gaps are known: the first file comes late (the first connection, a registration
 * before any code is warm: 0.26 s against 0.03-0.07 s in the demo), so the first gap alone is short,
 * and it made the keep-up rule start a second node for a stream one node kept up with.
 */
export function comingData(
  steps: readonly StepProgress[],
  arrivals: readonly Date[],
  firstDataAt: Date | null,
): { at: Date | null; jobs: number | null; paceSeconds: number | null } | null {
  const next = scheduledNextArrival(steps) ?? nextArrival(arrivals);
  if (next) return { at: next.at, jobs: next.jobs, paceSeconds: next.gaps > 1 ? next.paceSeconds : null };
  if (arrivals.length > 0) return null;
  return { at: firstDataAt, jobs: steps[0]?.jobs ?? null, paceSeconds: null };
}
