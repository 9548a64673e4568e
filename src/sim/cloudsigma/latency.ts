// How long provisioning takes, after the thesis (section 6.3): with up to four virtual machines
// provisioned at once, clone + start + boot took 15–30 s until one could log in; with more, over a
// minute. A provision's total is drawn when it begins (a clone, or a start without one), from how many
// provisions are under way then; its phases (drive clone, start, boot) each take their share.

export interface LatencyModel {
  /** Concurrent provisions that stay fast. */
  fastSlots: number;
  /** Total provision time (simulated seconds) while at most fastSlots are in flight. */
  fast: [number, number];
  /** Total provision time beyond fastSlots in flight. */
  slow: [number, number];
  /** Extra seconds per provision in flight beyond fastSlots + 1. */
  slowPerExtra: number;
  /** Shares of the total: drive clone, start (status starting), boot (running, until the guest's process starts). */
  shares: { clone: number; start: number; boot: number };
  /** Simulated seconds for short operations. */
  driveCreate: [number, number];
  stop: [number, number];
  deleteServer: [number, number];
  deleteDrive: [number, number];
  /** ACPI shutdown: how long the guest gets before the server returns to running (CloudSigma: a minute). */
  acpiTimeout: number;
}

export const thesisLatency: LatencyModel = {
  fastSlots: 4,
  fast: [15, 30],
  slow: [60, 90],
  slowPerExtra: 3,
  shares: { clone: 0.4, start: 0.2, boot: 0.4 },
  driveCreate: [2, 5],
  stop: [2, 4],
  deleteServer: [1, 2],
  deleteDrive: [2, 4],
  acpiTimeout: 60,
};

export function between(random: () => number, [low, high]: [number, number]): number {
  return low + (high - low) * random();
}

/**
 * Total simulated seconds of a provision (clone + start + boot) that begins while `inFlight`
 * provisions (this one included) are under way; each phase takes its share of it.
 */
export function provisionSeconds(model: LatencyModel, inFlight: number, random: () => number): number {
  return inFlight <= model.fastSlots
    ? between(random, model.fast)
    : between(random, model.slow) + Math.max(0, inFlight - model.fastSlots - 1) * model.slowPerExtra;
}
