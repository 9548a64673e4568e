// One Monte Carlo cycle, drawn once and then played by every policy: when each file arrives, when its
// data is registered, and how long each job takes. Times are seconds after the first step is due.
import { draw } from "./distribution.ts";
import type { StreamModel } from "./model.ts";
import { type Random, seededRandom, streamSeed } from "./random.ts";

export interface SimCycle {
  index: number;
  /** Per stream step: its file's arrival, and its data registered (jobs ready). */
  received: Float64Array;
  ready: Float64Array;
  /** Per stream step: the arrival of the next step due later (Infinity for the last). */
  dueNext: Float64Array;
  /** Stream step index of each step that has jobs (work steps), ascending. */
  workSteps: Int32Array;
  /** Per work step, its first job; the last entry is the job count. */
  jobFirst: Int32Array;
  /** Per job, in the order nodes take them (step first, heaviest first within a step). */
  jobSeconds: Float64Array;
  jobWork: Int32Array;
  /** Where the cycle falls within the provider's billing periods (0..1 of a period). */
  billingPhase: number;
}

/** Purposes of the independent random streams of a cycle. */
export const Purpose = {
  arrivals: 1,
  jobs: 2,
  boots: 3,
  failures: 4,
  teardown: 5,
  billing: 6,
  cold: 7,
} as const;

/**
 * For each step, the index of the next step due strictly later, or -1. ECMWF sends two steps at the
 * same minute where the schedule's segments meet (90 and 93, 144 and 150): neither can wait for the other.
 */
export function nextDueLater(minutes: readonly number[]): Int32Array {
  const next = new Int32Array(minutes.length).fill(-1);
  // Minutes never decrease along the schedule, so the next later step of i is i+1's, or i+1 itself.
  for (let i = minutes.length - 2, later = -1; i >= 0; i--) {
    if (minutes[i + 1]! > minutes[i]!) later = i + 1;
    next[i] = later;
  }
  return next;
}

export function drawCycle(stream: StreamModel, index: number, seed: number): SimCycle {
  const steps = stream.steps;
  const n = steps.length;
  const arrivals: Random = seededRandom(streamSeed(seed, index, Purpose.arrivals));
  const jobs: Random = seededRandom(streamSeed(seed, index, Purpose.jobs));
  const received = new Float64Array(n);
  const ready = new Float64Array(n);
  const origin = steps[0]?.minute ?? 0;
  const delay = draw(stream.delay, arrivals);
  for (let i = 0; i < n; i++) {
    const due = (steps[i]!.minute - origin) * stream.secondsPerMinute + delay;
    // ECMWF sends in order: a late step holds back the ones behind it, never overtakes them.
    const late = draw(i === 0 ? stream.firstLateness : stream.jitter, arrivals);
    received[i] = Math.max(due + late, i > 0 ? received[i - 1]! : -Infinity);
    // The data server registers files one after the other: a slow one holds back those behind it.
    const registration = draw(i === 0 ? stream.firstIngestSeconds : stream.ingestSeconds, arrivals);
    ready[i] = Math.max(received[i]!, i > 0 ? ready[i - 1]! : -Infinity) + Math.max(0, registration);
  }
  const later = nextDueLater(steps.map((s) => s.minute));
  const dueNext = new Float64Array(n);
  for (let i = 0; i < n; i++) dueNext[i] = later[i]! >= 0 ? received[later[i]!]! : Number.POSITIVE_INFINITY;
  const work: number[] = [];
  const first: number[] = [];
  const seconds: number[] = [];
  const owner: number[] = [];
  steps.forEach((step, i) => {
    if (step.jobs.length === 0) return;
    first.push(seconds.length);
    for (const job of step.jobs) {
      seconds.push(Math.max(0.001, draw(job.seconds, jobs)));
      owner.push(work.length);
    }
    work.push(i);
  });
  first.push(seconds.length);
  return {
    index,
    received,
    ready,
    dueNext,
    workSteps: Int32Array.from(work),
    jobFirst: Int32Array.from(first),
    jobSeconds: Float64Array.from(seconds),
    jobWork: Int32Array.from(owner),
    billingPhase: seededRandom(streamSeed(seed, index, Purpose.billing))(),
  };
}
