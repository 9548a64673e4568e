// Work on many items with a bound on how many run at once (provider calls, a job's transfers).

/** Runs `work` on every item with at most `limit` running at once; results keep the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  await inLanes(items.length, limit, async (index) => {
    try {
      results[index] = { status: "fulfilled", value: await work(items[index]!, index) };
    } catch (reason) {
      results[index] = { status: "rejected", reason };
    }
  });
  return results;
}

/**
 * Runs `work` on every item with at most `limit` running at once, and gives their values in the items'
 * order; after a failure no item is started, those running end, and the first failure (in the items'
 * order) is thrown. For work that is worthless once one item has failed, where each item may wait long
 * (retries) before it fails: a job whose data role is gone fails after one item's retries, not all.
 */
export async function allLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const values: R[] = new Array(items.length);
  const failures: Array<{ index: number; reason: unknown }> = [];
  await inLanes(
    items.length,
    limit,
    async (index) => {
      try {
        values[index] = await work(items[index]!, index);
      } catch (reason) {
        failures.push({ index, reason });
      }
    },
    () => failures.length > 0,
  );
  const first = failures.sort((a, b) => a.index - b.index)[0];
  if (first) throw first.reason;
  return values;
}

/** Calls `run` for indexes 0..count-1, `limit` at a time, until all are done or `stop` says so. */
async function inLanes(
  count: number,
  limit: number,
  run: (index: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, count)) }, async () => {
    while (next < count && !stop()) await run(next++);
  });
  await Promise.all(lanes);
}
