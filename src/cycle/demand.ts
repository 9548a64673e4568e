// A cycle's demand for compute, read from its suite: product jobs waiting for a node, running, or
// still waiting for their data, when their data came in (the stream's pace), and how long jobs take.
// The fleet's autoscaler asks this on every pass; the fleet itself knows nothing of suites.
import type pg from "pg";
import { type ComputeDemand, nextArrival } from "../fleet/autoscale.ts";
import type { Cycle } from "../fleet/plan.ts";
import { cycleSuiteName } from "./suite.ts";

/** The base time in a cycle key (`producer/YYYYMMDDHH`); null for a key of another form. */
export function baseTimeOfKey(key: string): Date | null {
  const match = /\/(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(key);
  return match ? new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:00:00Z`) : null;
}

const backlogSql = `
  select count(*) filter (where n.state = 'submitted'
                             or (n.state = 'queued' and n.data_ready_at is not null)) as queued,
         count(*) filter (where n.state = 'active') as running,
         coalesce(extract(epoch from now() - min(case when n.state = 'submitted' then n.state_since
                                                      when n.state = 'queued' then n.data_ready_at end)), 0)::float8
           as oldest_queued,
         count(*) filter (where n.state = 'queued' and n.data_ready_at is null) as waiting,
         coalesce(array_agg(n.data_ready_at) filter (where n.data_ready_at is not null), '{}') as arrivals,
         coalesce(array_agg(distinct n.worker) filter (where n.state = 'active' and n.worker is not null), '{}')
           as busy_workers
    from flow_node n
   where n.suite_id = $1 and n.kind = 'task' and n.path like $2`;

/** Run time of the latest finished jobs: from their last start to their completion. */
const jobSecondsSql = `
  select extract(epoch from max(h.at) filter (where h.to_state = 'complete')
                          - max(h.at) filter (where h.to_state = 'active'))::float8 as seconds
    from flow_history h
   where h.suite_id = $1 and h.path like $2 and h.kind = 'state'
   group by h.path
  having max(h.at) filter (where h.to_state = 'complete') > max(h.at) filter (where h.to_state = 'active')
   order by max(h.at) desc
   limit 20`;

/** The demand of a cycle's product jobs; null when the cycle has no suite here. */
export async function cycleDemand(pool: pg.Pool, cycle: Cycle): Promise<ComputeDemand | null> {
  const baseTime = baseTimeOfKey(cycle.cycle);
  if (!baseTime) return null;
  const suite = cycleSuiteName(baseTime);
  const found = await pool.query<{ id: string }>("select id from flow_suite where name = $1", [suite]);
  const id = found.rows[0]?.id;
  if (!id) return null;
  const jobs = `/${suite}/products/%`;
  const backlog = (
    await pool.query<{
      queued: string;
      running: string;
      oldest_queued: number;
      waiting: string;
      arrivals: Date[];
      busy_workers: string[];
    }>(backlogSql, [id, jobs])
  ).rows[0]!;
  const durations = (await pool.query<{ seconds: number }>(jobSecondsSql, [id, jobs])).rows
    .map((r) => r.seconds)
    .sort((a, b) => a - b);
  const waitingForData = Number(backlog.waiting);
  const next = waitingForData === 0 ? null : nextArrival(backlog.arrivals);
  return {
    queued: Number(backlog.queued),
    running: Number(backlog.running),
    oldestQueuedSeconds: Math.max(0, backlog.oldest_queued),
    waitingForData,
    // Before any data, the first is due when the cycle says.
    nextWorkAt: waitingForData === 0 ? null : (next?.at ?? firstData(cycle, backlog.arrivals)),
    nextWorkJobs: next?.jobs ?? null,
    paceSeconds: next?.paceSeconds ?? null,
    busyNodes: backlog.busy_workers,
    jobSeconds: durations.length ? durations[Math.floor(durations.length / 2)]! : null,
  };
}

function firstData(cycle: Cycle, arrivals: readonly Date[]): Date | null {
  return arrivals.length === 0 ? cycle.dataAt : null;
}
