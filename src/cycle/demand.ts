// A cycle's demand for compute, read from its suite: product jobs waiting for a node, running, or
// still waiting for their data, when their data came in (the stream's pace), and how long jobs take.
// The fleet's autoscaler asks this on every pass; the fleet itself knows nothing of suites.
import type pg from "pg";
import { type ComputeDemand, nextArrival } from "../fleet/autoscale.ts";
import type { Cycle } from "../fleet/plan.ts";
import { type StepArrival, stepArrivals } from "../sim/ecmwf/schedule.ts";
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

/** Per step family: its jobs, and when the first of them had its data (null while none has). */
const stepsSql = `
  select substring(n.path from '/step_([0-9]+)/')::int as step, count(*)::int as jobs,
         min(n.data_ready_at) as arrived
    from flow_node n
   where n.suite_id = $1 and n.kind = 'task' and n.path like $2
   group by 1 order by 1`;

export interface StepProgress {
  step: number;
  jobs: number;
  arrived: Date | null;
}

/**
 * When the next step's data is due by ECMWF's dissemination schedule, which is published and which the
 * stream follows: the last arrival plus the schedule's gap to the next step, at the rate the stream has
 * kept against the schedule lately (1 in production; the demo's time factor). Unlike a pace learned
 * from the last gaps alone, it knows where the hourly steps end and the 3- and 6-hourly ones begin.
 * Null before two steps have arrived, or when no step is still to come.
 */
export function scheduledNextArrival(
  steps: readonly StepProgress[],
  schedule: readonly StepArrival[] = stepArrivals(),
): { at: Date; jobs: number; paceSeconds: number } | null {
  const minute = new Map(schedule.map((s) => [s.step, s.minute]));
  const arrived = steps
    .filter((s): s is StepProgress & { arrived: Date } => s.arrived !== null && minute.has(s.step))
    .sort((a, b) => a.step - b.step);
  const last = arrived.at(-1);
  const next = steps.find((s) => s.arrived === null && last !== undefined && s.step > last.step);
  if (!last || !next || !minute.has(next.step)) return null;
  // Seconds of stream per minute of schedule, over the last three gaps the schedule says are gaps.
  const rates = arrived
    .slice(1)
    .map((s, i) => ({
      seconds: (s.arrived.getTime() - arrived[i]!.arrived.getTime()) / 1000,
      minutes: minute.get(s.step)! - minute.get(arrived[i]!.step)!,
    }))
    .filter((g) => g.minutes > 0)
    .slice(-3)
    .map((g) => g.seconds / g.minutes)
    .sort((a, b) => a - b);
  if (rates.length === 0) return null;
  const rate = rates[Math.floor(rates.length / 2)]!;
  const gapSeconds = rate * (minute.get(next.step)! - minute.get(last.step)!);
  return {
    at: new Date(last.arrived.getTime() + gapSeconds * 1000),
    jobs: next.jobs,
    paceSeconds: gapSeconds,
  };
}

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

/**
 * The demand of a cycle's product jobs; null when the cycle has no suite here. `filesArriving`: files
 * the data server is receiving or registering now (of this cycle, most likely: their cycle is known
 * only once they are read).
 */
export async function cycleDemand(
  pool: pg.Pool,
  cycle: Cycle,
  filesArriving = 0,
): Promise<ComputeDemand | null> {
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
  const steps = (
    await pool.query<{ step: number | null; jobs: number; arrived: Date | null }>(stepsSql, [id, jobs])
  ).rows.flatMap((r) => (r.step === null ? [] : [{ step: r.step, jobs: r.jobs, arrived: r.arrived }]));
  const next = waitingForData === 0 ? null : comingData(steps, backlog.arrivals, cycle.dataAt);
  return {
    queued: Number(backlog.queued),
    running: Number(backlog.running),
    oldestQueuedSeconds: Math.max(0, backlog.oldest_queued),
    waitingForData,
    nextWorkAt: next?.at ?? null,
    nextWorkJobs: next?.jobs ?? null,
    paceSeconds: next?.paceSeconds ?? null,
    dataArriving: filesArriving > 0,
    busyNodes: backlog.busy_workers,
    jobSeconds: durations.length ? durations[Math.floor(durations.length / 2)]! : null,
  };
}

/**
 * The next data: by the schedule once two steps are in, else from the arrivals' pace. Before any data,
 * the first step's, due when the cycle says (`firstDataAt`), with the first step's jobs.
 */
export function comingData(
  steps: readonly StepProgress[],
  arrivals: readonly Date[],
  firstDataAt: Date | null,
): { at: Date | null; jobs: number | null; paceSeconds: number | null } | null {
  const next = scheduledNextArrival(steps) ?? nextArrival(arrivals);
  if (next) return next;
  if (arrivals.length > 0) return null;
  return { at: firstDataAt, jobs: steps[0]?.jobs ?? null, paceSeconds: null };
}
