// The delivery ledger in PostgreSQL: every product queued for a destination, and whether it arrived
// intact. A cycle is delivered when none of its rows is pending or failed.
import type pg from "pg";
import type { DeliveryReceipt } from "./deliver.ts";
import type { DeliveryItem } from "./destination.ts";

export interface QueuedDelivery extends DeliveryItem {
  id: number;
  destination: string;
  attempts: number;
}

export interface CycleDeliveryStatus {
  cycleKey: string;
  pending: number;
  delivered: number;
  failed: number;
  bytes: number;
  lastDeliveredAt: string | null;
}

/** Queues items for a destination; an item already queued with the same bytes is not queued twice. */
export async function queueDeliveries(
  pool: pg.Pool,
  cycleKey: string,
  destination: string,
  items: DeliveryItem[],
  step?: number,
): Promise<number> {
  let queued = 0;
  for (const item of items) {
    const result = await pool.query(
      `insert into delivery (cycle_key, step, destination, name, local_path, bytes, sha256)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (destination, name, sha256) do nothing`,
      [cycleKey, step ?? null, destination, item.name, item.localPath, item.size, item.sha256],
    );
    queued += result.rowCount ?? 0;
  }
  return queued;
}

/** Deliveries of the cycle still to do (pending, or failed earlier and worth another go), or only `names`. */
export async function openDeliveries(
  pool: pg.Pool,
  cycleKey: string,
  destination: string,
  names?: string[],
): Promise<QueuedDelivery[]> {
  const result = await pool.query<{
    id: string;
    destination: string;
    name: string;
    local_path: string;
    bytes: string;
    sha256: string;
    attempts: number;
  }>(
    `select id, destination, name, local_path, bytes, sha256, attempts from delivery
      where cycle_key = $1 and destination = $2 and state <> 'delivered' and ($3::text[] is null or name = any($3))
      order by id`,
    [cycleKey, destination, names ?? null],
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    destination: r.destination,
    name: r.name,
    localPath: r.local_path,
    size: Number(r.bytes),
    sha256: r.sha256,
    attempts: r.attempts,
  }));
}

export async function recordDelivered(pool: pg.Pool, id: number, receipt: DeliveryReceipt): Promise<void> {
  await pool.query(
    `update delivery set state = 'delivered', attempts = attempts + $2, resumed_from = $3, error = null,
            delivered_at = now() where id = $1`,
    [id, receipt.attempts, receipt.resumedFrom],
  );
}

export async function recordFailed(pool: pg.Pool, id: number, error: Error): Promise<void> {
  await pool.query(
    "update delivery set state = 'failed', attempts = attempts + 1, error = $2 where id = $1",
    [id, error.message],
  );
}

/** A delivery that failed after its retries (it stays failed until a later delivery of the cycle succeeds). */
export interface FailedDelivery {
  id: number;
  cycleKey: string;
  step: number | null;
  /** The destination's label: URL without a password. */
  destination: string;
  name: string;
  localPath: string;
  attempts: number;
  error: string;
  queuedAt: Date;
}

/** Deliveries now failed, queued since `since`, oldest first. */
export async function failedDeliveries(pool: pg.Pool, since = new Date(0)): Promise<FailedDelivery[]> {
  const result = await pool.query<{
    id: string;
    cycle_key: string;
    step: number | null;
    destination: string;
    name: string;
    local_path: string;
    attempts: number;
    error: string | null;
    queued_at: Date;
  }>(
    `select id, cycle_key, step, destination, name, local_path, attempts, error, queued_at from delivery
      where state = 'failed' and queued_at >= $1 order by id`,
    [since],
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    cycleKey: r.cycle_key,
    step: r.step,
    destination: r.destination,
    name: r.name,
    localPath: r.local_path,
    attempts: r.attempts,
    error: r.error ?? "failed",
    queuedAt: r.queued_at,
  }));
}

export async function cycleDeliveryStatus(pool: pg.Pool, cycleKey: string): Promise<CycleDeliveryStatus> {
  const result = await pool.query<{
    pending: string;
    delivered: string;
    failed: string;
    bytes: string;
    last: Date | null;
  }>(
    `select count(*) filter (where state = 'pending') as pending,
            count(*) filter (where state = 'delivered') as delivered,
            count(*) filter (where state = 'failed') as failed,
            coalesce(sum(bytes) filter (where state = 'delivered'), 0) as bytes,
            max(delivered_at) as last
       from delivery where cycle_key = $1`,
    [cycleKey],
  );
  const row = result.rows[0]!;
  return {
    cycleKey,
    pending: Number(row.pending),
    delivered: Number(row.delivered),
    failed: Number(row.failed),
    bytes: Number(row.bytes),
    lastDeliveredAt: row.last?.toISOString() ?? null,
  };
}

/** Delivers the cycle's open items (or only `names`), recording each outcome; returns the cycle's status after. */
export async function deliverCycle(
  pool: pg.Pool,
  cycleKey: string,
  destinationLabel: string,
  send: (item: QueuedDelivery) => Promise<DeliveryReceipt>,
  options: { names?: string[] } = {},
): Promise<CycleDeliveryStatus> {
  for (const item of await openDeliveries(pool, cycleKey, destinationLabel, options.names)) {
    try {
      await recordDelivered(pool, item.id, await send(item));
    } catch (error) {
      await recordFailed(pool, item.id, error as Error);
    }
  }
  return cycleDeliveryStatus(pool, cycleKey);
}

/** A cycle's deliveries per forecast step: how many, delivered, failed. */
export async function deliveriesByStep(
  pool: pg.Pool,
  cycleKey: string,
): Promise<Map<number, { total: number; delivered: number; failed: number }>> {
  const result = await pool.query<{ step: number; total: string; delivered: string; failed: string }>(
    `select step, count(*) as total, count(*) filter (where state = 'delivered') as delivered,
            count(*) filter (where state = 'failed') as failed
       from delivery where cycle_key = $1 and step is not null group by step`,
    [cycleKey],
  );
  return new Map(
    result.rows.map((r) => [
      Number(r.step),
      { total: Number(r.total), delivered: Number(r.delivered), failed: Number(r.failed) },
    ]),
  );
}

/** Per forecast step of a cycle, in step order: when the last of its files was delivered, and how many are not yet. */
export async function stepDeliveryTimes(
  pool: pg.Pool,
  cycleKey: string,
): Promise<Array<{ step: number; last: Date | null; open: number }>> {
  const result = await pool.query<{ step: number; last: Date | null; open: string }>(
    `select step, max(delivered_at) as last, count(*) filter (where state <> 'delivered') as open
       from delivery where cycle_key = $1 and step is not null group by step order by step`,
    [cycleKey],
  );
  return result.rows.map((r) => ({ step: Number(r.step), last: r.last, open: Number(r.open) }));
}

/** A cycle's deliveries as the timeline shows them: queued, delivered, state and step. */
export async function cycleDeliveries(
  pool: pg.Pool,
  cycleKey: string,
): Promise<
  Array<{ name: string; queuedAt: Date; deliveredAt: Date | null; state: string; step: number | null }>
> {
  const result = await pool.query<{
    name: string;
    queued_at: Date;
    delivered_at: Date | null;
    state: string;
    step: number | null;
  }>("select name, queued_at, delivered_at, state, step from delivery where cycle_key = $1 order by id", [
    cycleKey,
  ]);
  return result.rows.map((r) => ({
    name: r.name,
    queuedAt: r.queued_at,
    deliveredAt: r.delivered_at,
    state: r.state,
    step: r.step,
  }));
}

/** The cycle key of the latest delivery, or null when nothing was ever queued. */
export async function latestDeliveredCycle(pool: pg.Pool): Promise<string | null> {
  const result = await pool.query<{ cycle_key: string }>(
    "select cycle_key from delivery order by id desc limit 1",
  );
  return result.rows[0]?.cycle_key ?? null;
}

/** The cycles with deliveries, the latest (by its first delivery) first, with when that was. */
export async function deliveredCycles(
  pool: pg.Pool,
  limit: number,
): Promise<Array<{ cycle: string; at: Date }>> {
  const result = await pool.query<{ cycle_key: string; at: Date }>(
    `select cycle_key, min(queued_at) as at from delivery group by cycle_key order by min(id) desc limit $1`,
    [limit],
  );
  return result.rows.map((r) => ({ cycle: r.cycle_key, at: r.at }));
}

/** The state of each named delivery of a cycle to a destination (pending, delivered or failed). */
export async function deliveryStates(
  pool: pg.Pool,
  cycleKey: string,
  destination: string,
  names: readonly string[],
): Promise<Map<string, "pending" | "delivered" | "failed">> {
  const result = await pool.query<{ name: string; state: "pending" | "delivered" | "failed" }>(
    "select name, state from delivery where cycle_key = $1 and destination = $2 and name = any($3)",
    [cycleKey, destination, names],
  );
  return new Map(result.rows.map((r) => [r.name, r.state]));
}
