// Seeded random numbers for the planner's Monte Carlo: the same seed gives the same cycles, so that
// every policy is judged on the very same arrivals, job times and boots (common random numbers).

import { seededRandom as simulatorRandom } from "../sim/cloudsigma/clock.ts";

export type Random = () => number;

/** mulberry32: a small, fast generator with a 2^32 period (the CloudSigma simulator's), plenty for a plan. */
export const seededRandom: (seed: number) => Random = simulatorRandom;

/** A seed for one purpose of one cycle: independent streams that do not shift when another is drawn more. */
export function streamSeed(seed: number, cycle: number, purpose: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const part of [cycle, purpose]) {
    h = Math.imul(h ^ part, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** A standard normal draw (Box–Muller). */
export function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
