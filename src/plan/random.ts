// Seeded random numbers for the planner's Monte Carlo: the same seed gives the same cycles, so that
// every policy is judged on the very same arrivals, job times and boots (common random numbers).

export type Random = () => number;

/** mulberry32: a small, fast generator with a 2^32 period, plenty for a few million draws per plan. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
