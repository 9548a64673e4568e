// Prometheus metrics of the flow engine, read from PostgreSQL when Prometheus scrapes: the flow state
// and its history are the record, so every control process reports the same numbers and a restart
// loses none of them.
import type pg from "pg";
import { Counter, Gauge, type Registry } from "prom-client";
import { NODE_STATES } from "../model/types.ts";

export function registerFlowMetrics(registry: Registry, pool: pg.Pool): void {
  const registers = [registry];
  const tasks: Gauge<"suite" | "state"> = new Gauge({
    name: "cloudburst_flow_tasks",
    help: "Tasks of each loaded suite, by state (every state listed, 0 when none)",
    labelNames: ["suite", "state"],
    registers,
    async collect() {
      const rows = await pool.query<{ suite: string; state: string; n: string }>(
        `select s.name as suite, n.state, count(n.path) as n
           from flow_suite s left join flow_node n on n.suite_id = s.id and n.kind = 'task'
          group by s.name, n.state`,
      );
      tasks.reset();
      for (const suite of new Set(rows.rows.map((r) => r.suite)))
        for (const state of NODE_STATES) tasks.set({ suite, state }, 0);
      for (const r of rows.rows) if (r.state) tasks.set({ suite: r.suite, state: r.state }, Number(r.n));
    },
  });
  // A suite's history stays with the suite, so these only fall when a suite is deleted (a counter reset).
  const history = (name: string, help: string, where: string) => {
    const counter: Counter<"suite"> = new Counter({
      name,
      help,
      labelNames: ["suite"],
      registers,
      async collect() {
        const rows = await pool.query<{ suite: string; n: string }>(
          `select s.name as suite, count(h.id) as n
             from flow_suite s left join flow_history h on h.suite_id = s.id and ${where}
            group by s.name`,
        );
        counter.reset();
        for (const r of rows.rows) counter.inc({ suite: r.suite }, Number(r.n));
      },
    });
  };
  history(
    "cloudburst_flow_submissions_total",
    "Task submissions to a queue (every try), by suite",
    "h.to_state = 'submitted'",
  );
  history(
    "cloudburst_flow_aborts_total",
    "Task aborts (reported by the job, or by the engine), by suite",
    "h.to_state = 'aborted'",
  );
  history(
    "cloudburst_flow_dead_jobs_total",
    "Running tasks the engine aborted because their job died (lost heartbeat, lost worker, expiry, no report), by suite",
    "h.to_state = 'aborted' and h.actor = 'engine' and h.from_state in ('submitted', 'active')",
  );
}
