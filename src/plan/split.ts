// Where a recorded cycle's node time went, set against what the clairvoyant floor charges for the
// same thing: before the first job's data (the floor: one boot), after the last job (the floor: one
// teardown), and while the data streamed, with more than one node up (the floor: never) or one.

export interface NodeLife {
  start: number;
  end: number;
}

export interface NodeTimeSplit {
  /** Node-seconds before the first job's data was in. */
  beforeDataSeconds: number;
  /** Node-seconds after the last job ended. */
  afterWorkSeconds: number;
  /** Between the two, node-seconds of every node beyond the first up at the same moment. */
  extraNodesSeconds: number;
  /** Between the two, node-seconds of one node up (the floor's work and the gaps it waits or reboots). */
  oneNodeSeconds: number;
}

/** Splits the nodes' lives (seconds on any clock) around the work's window [firstData, lastEnd]. */
export function splitNodeTime(lives: readonly NodeLife[], firstData: number, lastEnd: number): NodeTimeSplit {
  let before = 0;
  let after = 0;
  const edges: Array<[number, number]> = [];
  for (const { start, end } of lives) {
    before += Math.max(0, Math.min(end, firstData) - start);
    after += Math.max(0, end - Math.max(start, lastEnd));
    const from = Math.max(start, firstData);
    const to = Math.min(end, lastEnd);
    if (to > from) edges.push([from, 1], [to, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let up = 0;
  let last = firstData;
  let one = 0;
  let extra = 0;
  for (const [at, step] of edges) {
    if (up > 0) {
      one += at - last;
      extra += (up - 1) * (at - last);
    }
    up += step;
    last = at;
  }
  return {
    beforeDataSeconds: before,
    afterWorkSeconds: after,
    extraNodesSeconds: extra,
    oneNodeSeconds: one,
  };
}
