// The planner's edge to the database: past cycles as the catalogue, the flow history, the fleet and the
// delivery ledger recorded them, and the provider's recorded provisioning times. Read-only.
import type pg from "pg";
import { cycleKey, cycleSuiteBaseTime, cycleSuiteNamePattern, PRODUCTS_FAMILY } from "../cycle/names.ts";
import { cycleDeliveries } from "../delivery/ledger.ts";
import type { ProvisionSample } from "../fleet/leadtime.ts";
import { FleetStore } from "../fleet/store.ts";
import { findSuiteId, lastRunsUnder, latestSuites } from "../flow/engine/queries.ts";
import { parseDisseminationName } from "../ingest/names.ts";
import type { RecordedCycle, RecordedJob } from "./records.ts";

const gridSql = `
  select (g.definition->>'iDirectionIncrementInDegrees')::float8 as increment
    from field f join geometry g on g.id = f.geometry_id
   where f.base_time = $1 and f.producer_id = (select id from producer where name = $2)
   group by g.id, g.definition order by count(*) desc limit 1`;

const filesSql = `
  select name, min(received_at) as received_at, min(registered_at) as registered_at from ingest_file
   where min_base_time <= $1 and max_base_time >= $1 group by name`;

const nodesSql = `
  select name, provider, requested_at, ready_at, gone_at, state from fleet_node
   where cycle = $1 and role = 'compute' order by requested_at, id`;

const fleetCycleSql = "select data_at, created_at, compute_nodes from fleet_cycle where cycle = $1 limit 1";

export interface HistoryOptions {
  /** The catalogue's producer of the model data (cycle.producer). */
  producer: string;
  /** At most this many cycles, newest first. */
  limit: number;
  /** One cycle's suite name (cycle_YYYYMMDD_HH) instead of the latest. */
  suite?: string | undefined;
}

export async function recordedCycles(pool: pg.Pool, options: HistoryOptions): Promise<RecordedCycle[]> {
  const suites = options.suite
    ? await namedSuite(pool, options.suite)
    : await latestSuites(pool, cycleSuiteNamePattern, options.limit);
  const cycles: RecordedCycle[] = [];
  for (const suite of suites) {
    const baseTime = cycleSuiteBaseTime(suite.name);
    if (baseTime) cycles.push(await recordedCycle(pool, suite, baseTime, options.producer));
  }
  return cycles;
}

async function namedSuite(pool: pg.Pool, name: string): Promise<Array<{ id: string; name: string }>> {
  const id = await findSuiteId(pool, name);
  return id ? [{ id, name }] : [];
}

async function recordedCycle(
  pool: pg.Pool,
  suite: { id: string; name: string },
  baseTime: Date,
  producer: string,
): Promise<RecordedCycle> {
  const key = cycleKey(producer, baseTime);
  const [jobs, grid, files, nodes, fleetCycle, delivered] = await Promise.all([
    lastRunsUnder(pool, suite.id, `/${suite.name}/${PRODUCTS_FAMILY}`),
    pool.query<{ increment: number | null }>(gridSql, [baseTime, producer]),
    pool.query<{ name: string; received_at: Date; registered_at: Date | null }>(filesSql, [baseTime]),
    pool.query<{
      name: string;
      provider: string;
      requested_at: Date;
      ready_at: Date | null;
      gone_at: Date | null;
      state: string;
    }>(nodesSql, [key]),
    pool.query<{ data_at: Date; created_at: Date; compute_nodes: number }>(fleetCycleSql, [key]),
    cycleDeliveries(pool, key),
  ]);
  return {
    key,
    suite: suite.name,
    baseTime,
    grid: grid.rows[0]?.increment ?? null,
    firstDataAt: fleetCycle.rows[0]?.data_at ?? null,
    plannedAt: fleetCycle.rows[0]?.created_at ?? null,
    computeNodes: fleetCycle.rows[0]?.compute_nodes ?? null,
    files: files.rows.flatMap((row) => {
      const parsed = parseDisseminationName(row.name, row.received_at);
      return parsed?.step != null && parsed.baseTime.getTime() === baseTime.getTime()
        ? [{ step: parsed.step, receivedAt: row.received_at, registeredAt: row.registered_at }]
        : [];
    }),
    jobs: jobs.flatMap((row): RecordedJob[] => {
      const match = /\/step_(\d+)\/([^/]+)$/.exec(row.path);
      if (!match) return [];
      const cpu = row.labels["cpu"] === undefined ? Number.NaN : Number(row.labels["cpu"]);
      return [
        {
          product: match[2]!,
          step: Number(match[1]),
          readyAt: row.dataReadyAt,
          startedAt: row.startedAt,
          endedAt: row.endedAt,
          worker: row.worker,
          cpuSeconds: Number.isFinite(cpu) ? cpu : null,
        },
      ];
    }),
    nodes: nodes.rows.map((row) => ({
      name: row.name,
      provider: row.provider,
      requestedAt: row.requested_at,
      readyAt: row.ready_at,
      goneAt: row.gone_at,
      failed: row.state === "failed",
    })),
    delivered: lastDeliveryPerStep(delivered),
  };
}

/** When each step's last file was delivered, by step. */
function lastDeliveryPerStep(
  deliveries: ReadonlyArray<{ step: number | null; state: string; deliveredAt: Date | null }>,
): Array<{ step: number; at: Date }> {
  const last = new Map<number, Date>();
  for (const d of deliveries) {
    if (d.step === null || d.state !== "delivered" || !d.deliveredAt) continue;
    const seen = last.get(d.step);
    if (!seen || d.deliveredAt > seen) last.set(d.step, d.deliveredAt);
  }
  return [...last].sort(([a], [b]) => a - b).map(([step, at]) => ({ step: Number(step), at }));
}

/** The provider's recorded provisioning times, newest first (the learned lead time's input). */
export function provisionSamples(pool: pg.Pool, provider: string, limit: number): Promise<ProvisionSample[]> {
  return new FleetStore(pool).samples(provider, limit);
}

/** The provider's provisioning times recorded up to `until`, newest first, with when each was recorded. */
export async function provisionSamplesUntil(
  pool: pg.Pool,
  provider: string,
  until: Date,
  limit: number,
): Promise<Array<ProvisionSample & { at: Date }>> {
  const rows = await pool.query<{ batch_size: number; seconds: number; at: Date }>(
    `select batch_size, seconds, at from fleet_provision_sample
      where provider = $1 and at <= $2 order by at desc, id desc limit $3`,
    [provider, until, limit],
  );
  return rows.rows.map((r) => ({ batchSize: r.batch_size, seconds: r.seconds, at: r.at }));
}
