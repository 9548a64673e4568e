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
  // When each of the data server's registration places is free next.
  const places = Array.from({ length: Math.max(1, stream.ingestServers) }, () => Number.NEGATIVE_INFINITY);
  let allIn = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const due = (steps[i]!.minute - origin) * stream.secondsPerMinute + delay;
    // ECMWF sends in order, one file after the other: a file goes when it is due or when the one before
    // has arrived, and arrives its lateness after that (a slow transfer holds back those behind it).
    const position = n > 1 ? i / (n - 1) : 0;
    const late = Math.max(0, draw(i === 0 ? stream.firstLateness : stream.jitter, arrivals, position));
    received[i] = Math.max(due, i > 0 ? received[i - 1]! : Number.NEGATIVE_INFINITY) + late;
    let place = 0;
    for (let k = 1; k < places.length; k++) if (places[k]! < places[place]!) place = k;
    const service = draw(i === 0 ? stream.firstIngestSeconds : stream.ingestSeconds, arrivals, position);
    places[place] = Math.max(received[i]!, places[place]!) + Math.max(0, service);
    allIn = Math.max(allIn, places[place]!);
    const trigger = Math.max(0, draw(stream.triggerSeconds, arrivals, position));
    ready[i] = Math.max(allIn, i > 0 ? ready[i - 1]! : Number.NEGATIVE_INFINITY) + trigger;
  }
  const later = nextDueLater(steps.map((s) => s.minute));
  const dueNext = new Float64Array(n);
  for (let i = 0; i < n; i++) dueNext[i] = later[i]! >= 0 ? received[later[i]!]! : Number.POSITIVE_INFINITY;
  const work: number[] = [];
  const first: number[] = [];
  const seconds: number[] = [];
  const owner: number[] = [];
  const workCount = steps.filter((s) => s.jobs.length > 0).length;
  steps.forEach((step, i) => {
    if (step.jobs.length === 0) return;
    first.push(seconds.length);
    const position = workCount > 1 ? work.length / (workCount - 1) : 0;
    for (const job of step.jobs) {
      seconds.push(Math.max(0.001, draw(job.seconds, jobs, position)));
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
