// Prometheus metrics of the flow engine, read from PostgreSQL when Prometheus scrapes: the flow state
// and its history are the record, so every control process reports the same numbers and a restart
// loses none of them.
import type pg from "pg";
import { Counter, Gauge, type Registry } from "prom-client";
import { NODE_STATES } from "../model/types.ts";

/**
 * The suites the metrics are about: loaded or begun in the last two days, or with a task not done
 * (queued, submitted, active, aborted, suspended). A cycle suite long complete drops out, so the series
 * do not grow with every cycle; a long-lived suite stays.
 */
const suitesInPlay = `
  select s.id, s.name from flow_suite s
   where coalesce(s.begun_at, s.loaded_at) > now() - interval '2 days'
      or s.id in (select suite_id from flow_node where kind = 'task'
                    and state in ('queued', 'submitted', 'active', 'aborted', 'suspended'))`;

/** What the history counters count, as a filter on flow_history rows `h`. */
const historyCounts = {
  submissions: "h.to_state = 'submitted'",
  aborts: "h.to_state = 'aborted'",
  // The engine aborts a running task when its job died (dead-job check, lost worker); a task it could
  // not submit (bad CB_QUEUE) was never running.
  deadJobs: "h.to_state = 'aborted' and h.actor = 'engine' and h.from_state in ('submitted', 'active')",
} as const;
type HistoryCount = keyof typeof historyCounts;

export function registerFlowMetrics(registry: Registry, pool: pg.Pool): void {
  const registers = [registry];
  const tasks: Gauge<"suite" | "state"> = new Gauge({
    name: "cloudburst_flow_tasks",
    help: "Tasks of each suite in play (loaded or begun in the last two days, or not done), by state (0 when none)",
    labelNames: ["suite", "state"],
    registers,
    async collect() {
      const rows = await pool.query<{ suite: string; state: string | null; n: string }>(
        `with s as (${suitesInPlay})
         select s.name as suite, n.state, count(n.path) as n
           from s left join flow_node n on n.suite_id = s.id and n.kind = 'task'
          group by s.name, n.state`,
      );
      tasks.reset();
      for (const suite of new Set(rows.rows.map((r) => r.suite)))
        for (const state of NODE_STATES) tasks.set({ suite, state }, 0);
      for (const r of rows.rows) if (r.state) tasks.set({ suite: r.suite, state: r.state }, Number(r.n));
    },
  });
  // The three history counters in one pass over the history, shared by a scrape's three collects.
  let reading: Promise<Array<Record<HistoryCount, number> & { suite: string }>> | null = null;
  const history = () => {
    reading ??= historyTotals(pool).finally(() => {
      reading = null;
    });
    return reading;
  };
  // A suite's history stays with the suite, so these fall only when a suite is deleted (a counter reset).
  const counter = (name: string, help: string, count: HistoryCount) => {
    const c: Counter<"suite"> = new Counter({
      name,
      help,
      labelNames: ["suite"],
      registers,
      async collect() {
        const rows = await history();
        c.reset();
        for (const r of rows) c.inc({ suite: r.suite }, r[count]);
      },
    });
  };
  counter(
    "cloudburst_flow_submissions_total",
    "Task submissions to a queue (every try), by suite",
    "submissions",
  );
  counter(
    "cloudburst_flow_aborts_total",
    "Task aborts (reported by the job, or by the engine), by suite",
    "aborts",
  );
  counter(
    "cloudburst_flow_dead_jobs_total",
    "Running tasks the engine aborted because their job died (lost heartbeat, lost worker, expiry, no report), by suite",
    "deadJobs",
  );
}

async function historyTotals(
  pool: pg.Pool,
): Promise<Array<Record<HistoryCount, number> & { suite: string }>> {
  const counts = Object.entries(historyCounts)
    .map(([key, where]) => `count(h.id) filter (where ${where}) as "${key}"`)
    .join(", ");
  const rows = await pool.query<Record<HistoryCount, string> & { suite: string }>(
    `with s as (${suitesInPlay})
     select s.name as suite, ${counts}
       from s left join flow_history h on h.suite_id = s.id and h.to_state in ('submitted', 'aborted')
      group by s.name`,
  );
  return rows.rows.map((r) => ({
    suite: r.suite,
    submissions: Number(r.submissions),
    aborts: Number(r.aborts),
    deadJobs: Number(r.deadJobs),
  }));
}
