// ECMWF's dissemination schedule for the control forecast (Set I, "Dissemination schedule" on ECMWF's
// confluence): which steps a cycle has and when each step's file is pushed, in minutes after base time.
//   00/12 UTC: steps 0-90 by 1 from T+5:45 to T+6:12, 93-144 by 3 to T+6:27, 150-360 by 6 to T+7:34.
// We stop at step 240 (day 10), the range the thesis's products use.

export interface ScheduleSegment {
  first: number;
  last: number;
  by: number;
  /** Minutes after base time at which the segment's first and last steps are disseminated. */
  fromMinute: number;
  toMinute: number;
}

export const controlForecastSchedule: readonly ScheduleSegment[] = [
  { first: 0, last: 90, by: 1, fromMinute: 5 * 60 + 45, toMinute: 6 * 60 + 12 },
  { first: 93, last: 144, by: 3, fromMinute: 6 * 60 + 12, toMinute: 6 * 60 + 27 },
  { first: 150, last: 360, by: 6, fromMinute: 6 * 60 + 27, toMinute: 7 * 60 + 34 },
];

export interface StepArrival {
  step: number;
  /** Minutes after the cycle's base time at which ECMWF pushes the step. */
  minute: number;
}

/** Every step up to `lastStep` with its dissemination time, linear within each segment. */
export function stepArrivals(lastStep = 240, schedule = controlForecastSchedule): StepArrival[] {
  const arrivals: StepArrival[] = [];
  for (const segment of schedule) {
    const span = segment.last - segment.first;
    for (let step = segment.first; step <= Math.min(segment.last, lastStep); step += segment.by) {
      const fraction = span === 0 ? 0 : (step - segment.first) / span;
      arrivals.push({
        step,
        minute: segment.fromMinute + fraction * (segment.toMinute - segment.fromMinute),
      });
    }
  }
  return arrivals;
}

/** The steps a spec names: a step "6", a range "0-24", a stride "0-90/3", or a list of them "0-6,12". */
export function parseStepSpec(spec: string): Set<number> {
  const wanted = new Set<number>();
  for (const part of spec.split(",")) {
    const range = /^(\d+)(?:-(\d+)(?:\/(\d+))?)?$/.exec(part.trim());
    if (!range) throw new Error(`"${part}" is not a step, a range like 0-24 or a stride like 0-90/3`);
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    const by = range[3] === undefined ? 1 : Number(range[3]);
    for (let step = first; step <= last; step += Math.max(1, by)) wanted.add(step);
  }
  return wanted;
}

/** The arrivals of the steps a spec names; all scheduled steps when there is no spec. */
export function selectSteps(arrivals: StepArrival[], spec: string | undefined): StepArrival[] {
  if (!spec) return arrivals;
  const wanted = parseStepSpec(spec);
  return arrivals.filter((a) => wanted.has(a.step));
}
