// The planner's edge to the database: past cycles as the catalogue, the flow history, the fleet and the
// delivery ledger recorded them, and the provider's recorded provisioning times. Read-only.
import type pg from "pg";
import { baseTimeOfKey } from "../cycle/demand.ts";
import { cycleKey } from "../cycle/runtime.ts";
import type { ProvisionSample } from "../fleet/leadtime.ts";
import { FleetStore } from "../fleet/store.ts";
import { parseDisseminationName } from "../ingest/names.ts";
import type { RecordedCycle, RecordedJob } from "./records.ts";

/** Base times of the latest cycle suites, newest first. */
const suitesSql = `
  select id, name, begun_at from flow_suite
   where name ~ '^cycle_[0-9]{8}_[0-9]{2}$' and ($2::text is null or name = $2)
   order by coalesce(begun_at, loaded_at) desc limit $1`;

/** Per product task, each try: its start, end and worker; the task's data time and CPU label. */
const jobsSql = `
  with tries as (
    select h.path, h.try_no,
           max(h.at) filter (where h.to_state = 'active') as started,
           max(h.at) filter (where h.to_state = 'complete') as ended,
           (array_agg(h.actor order by h.id desc) filter (where h.to_state = 'active'))[1] as worker
      from flow_history h
     where h.suite_id = $1 and h.kind = 'state' and h.path like $2
     group by h.path, h.try_no)
  select n.path, n.data_ready_at, n.labels->>'cpu' as cpu, t.started, t.ended, t.worker
    from flow_node n
    left join lateral (select * from tries t where t.path = n.path and t.ended is not null
                        order by t.try_no desc limit 1) t on true
   where n.suite_id = $1 and n.kind = 'task' and n.path like $2`;

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

const deliveredSql = `
  select step, max(delivered_at) as at from delivery
   where cycle_key = $1 and step is not null and state = 'delivered' group by step order by step`;

export interface HistoryOptions {
  /** The catalogue's producer of the model data (cycle.producer). */
  producer: string;
  /** At most this many cycles, newest first. */
  limit: number;
  /** One cycle's suite name (cycle_YYYYMMDD_HH) instead of the latest. */
  suite?: string | undefined;
}

export async function recordedCycles(pool: pg.Pool, options: HistoryOptions): Promise<RecordedCycle[]> {
  const suites = await pool.query<{ id: string; name: string }>(suitesSql, [
    options.limit,
    options.suite ?? null,
  ]);
  const cycles: RecordedCycle[] = [];
  for (const suite of suites.rows) {
    const baseTime = baseTimeOfSuite(suite.name);
    if (baseTime) cycles.push(await recordedCycle(pool, suite, baseTime, options.producer));
  }
  return cycles;
}

/** cycle_YYYYMMDD_HH as a base time. */
export function baseTimeOfSuite(name: string): Date | null {
  const match = /^cycle_(\d{8})_(\d{2})$/.exec(name);
  return match ? baseTimeOfKey(`x/${match[1]}${match[2]}`) : null;
}

async function recordedCycle(
  pool: pg.Pool,
  suite: { id: string; name: string },
  baseTime: Date,
  producer: string,
): Promise<RecordedCycle> {
  const key = cycleKey(producer, baseTime);
  const [jobs, grid, files, nodes, fleetCycle, delivered] = await Promise.all([
    pool.query<{
      path: string;
      data_ready_at: Date | null;
      cpu: string | null;
      started: Date | null;
      ended: Date | null;
      worker: string | null;
    }>(jobsSql, [suite.id, `/${suite.name}/products/%`]),
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
    pool.query<{ step: number; at: Date }>(deliveredSql, [key]),
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
    jobs: jobs.rows.flatMap((row): RecordedJob[] => {
      const match = /\/step_(\d+)\/([^/]+)$/.exec(row.path);
      if (!match) return [];
      const cpu = row.cpu === null ? Number.NaN : Number(row.cpu);
      return [
        {
          product: match[2]!,
          step: Number(match[1]),
          readyAt: row.data_ready_at,
          startedAt: row.started,
          endedAt: row.ended,
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
    delivered: delivered.rows.map((row) => ({ step: Number(row.step), at: row.at })),
  };
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
