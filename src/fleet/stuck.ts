// Nothing stays stuck unseen: since when each thing has been in a state it should leave (a node the
// fleet released that is still there, a reconcile loop that keeps failing), and which have been there
// longer than the bound.

export class StuckClock {
  readonly #since = new Map<string, number>();

  /**
   * `present` are the keys in the state now: each keeps its first sighting, the others are forgotten.
   * Returns those present for longer than `boundMs`, with how long.
   */
  update(present: Iterable<string>, now: number, boundMs: number): Array<{ key: string; ms: number }> {
    const keep = new Set(present);
    for (const key of this.#since.keys()) if (!keep.has(key)) this.#since.delete(key);
    const stuck: Array<{ key: string; ms: number }> = [];
    for (const key of keep) {
      const since = this.#since.get(key) ?? now;
      this.#since.set(key, since);
      if (now - since > boundMs) stuck.push({ key, ms: now - since });
    }
    return stuck;
  }
}

/** "25 min", "90 s": how long something has been stuck, for alerts. */
export function duration(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
