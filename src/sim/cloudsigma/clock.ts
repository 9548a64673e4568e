// Simulated time: it starts at a given instant and runs 1/timeScale times faster than the wall clock,
// so that with --time-scale 0.01 a 20-second provision takes 0.2 s. Every timestamp the API shows and
// every duration the simulator models (provisioning, billing intervals, subscription periods) is in
// simulated time.

export class SimClock {
  readonly timeScale: number;
  private readonly simOrigin: number;
  private readonly realOrigin: number;
  private skipped = 0;

  constructor(timeScale: number, simOrigin: number = Date.now()) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale))
      throw new Error("time scale must be a positive number");
    this.timeScale = timeScale;
    this.simOrigin = simOrigin;
    this.realOrigin = performance.now();
  }

  /** Simulated milliseconds since the epoch. */
  now(): number {
    return this.simOrigin + this.skipped + (performance.now() - this.realOrigin) / this.timeScale;
  }

  /** Jumps simulated time forward (tests, and POST /_sim/advance). */
  advance(simMs: number): void {
    if (simMs > 0) this.skipped += simMs;
  }

  /** Real milliseconds that `simSeconds` of simulated time take. */
  realMs(simSeconds: number): number {
    return simSeconds * 1000 * this.timeScale;
  }
}

export function isoTime(simMs: number): string {
  // CloudSigma writes "2015-03-19T13:52:51+00:00" (and microseconds on some fields).
  return new Date(simMs).toISOString().replace("Z", "+00:00");
}

/** A small seeded PRNG (mulberry32) so that fault and latency draws repeat with --faults seed=N. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
