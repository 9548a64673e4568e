// Late steps of a forecast cycle, for the alert watch: a step whose data arrived (its first field in the
// catalogue) more than alerts.lateStepSeconds ago while its products are not all made (the tasks of
// its family in the cycle suite) and delivered (the delivery ledger). Read from PostgreSQL only; the
// alert watch asks on its clock.
import type pg from "pg";
import type { Alert } from "../alerts/alerts.ts";
import type { ProblemSource } from "../alerts/watch.ts";
import { cycleKey } from "./runtime.ts";

export interface LateStep {
  suite: string;
  cycle: string;
  step: number;
  /** The step's family in the suite, e.g. /cycle_20261124_00/products/step_006. */
  family: string;
  arrivedAt: Date;
  lateSeconds: number;
  tasks: number;
  complete: number;
  /** Tasks not complete, with their states. */
  open: Array<{ path: string; state: string }>;
  deliveries: { total: number; delivered: number; failed: number };
}

/** The base time a cycle suite is named after (cycle_YYYYMMDD_HH, see suite.ts); null for other suites. */
export function cycleSuiteBaseTime(name: string): Date | null {
  const m = /^cycle_(\d{4})(\d{2})(\d{2})_(\d{2})$/.exec(name);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:00:00Z`) : null;
}

/** The cycle's deliver task for a cycle key (`producer/YYYYMMDDHH`), or null for a key of another form. */
export function deliverTaskOf(key: string): string | null {
  const m = /\/(\d{8})(\d{2})$/.exec(key);
  return m ? `/cycle_${m[1]}_${m[2]}/teardown/deliver` : null;
}

/** Steps of begun cycle suites (begun since `since`) whose data is older than `lateSeconds` and not yet all delivered. */
export async function lateSteps(
  pool: pg.Pool,
  options: { producer: string; now: Date; lateSeconds: number; since: Date },
): Promise<LateStep[]> {
  const suites = await pool.query<{ id: string; name: string }>(
    "select id::text, name from flow_suite where begun_at >= $1 order by name",
    [options.since],
  );
  const late: LateStep[] = [];
  for (const suite of suites.rows) {
    const baseTime = cycleSuiteBaseTime(suite.name);
    if (!baseTime) continue;
    const key = cycleKey(options.producer, baseTime);
    const tasks = await pool.query<{ step: number; tasks: string; complete: string; open: string[] }>(
      `select step, count(*) as tasks, count(*) filter (where state = 'complete') as complete,
              coalesce(array_agg(path || ' ' || state order by path) filter (where state <> 'complete'), '{}') as open
         from (select substring(path from '/products/step_([0-9]+)/[^/]+$')::int as step, path, state
                 from flow_node where suite_id = $1 and kind = 'task' and path like $2) t
        where step is not null group by step`,
      [suite.id, `/${suite.name}/products/step\\_%`],
    );
    const deliveries = await pool.query<{ step: number; total: string; delivered: string; failed: string }>(
      `select step, count(*) as total, count(*) filter (where state = 'delivered') as delivered,
              count(*) filter (where state = 'failed') as failed
         from delivery where cycle_key = $1 and step is not null group by step`,
      [key],
    );
    const delivery = new Map(deliveries.rows.map((d) => [Number(d.step), d]));
    const unfinished = tasks.rows.filter((t) => {
      const d = delivery.get(t.step);
      return (
        Number(t.complete) < Number(t.tasks) || (d !== undefined && Number(d.delivered) < Number(d.total))
      );
    });
    if (unfinished.length === 0) continue;
    const arrivals = await pool.query<{ step: number; arrived: Date }>(
      `select f.end_step as step, min(f.received_at) as arrived
         from field f join producer p on p.id = f.producer_id
        where f.base_time = $1 and p.name = $2 and f.end_step = any($3::float8[])
        group by f.end_step`,
      [baseTime, options.producer, unfinished.map((t) => t.step)],
    );
    const arrivedAt = new Map(arrivals.rows.map((a) => [Number(a.step), a.arrived]));
    for (const t of unfinished) {
      const arrived = arrivedAt.get(t.step);
      if (!arrived || options.now.getTime() - arrived.getTime() <= options.lateSeconds * 1000) continue;
      const d = delivery.get(t.step);
      late.push({
        suite: suite.name,
        cycle: key,
        step: t.step,
        family: `/${suite.name}/products/step_${String(t.step).padStart(3, "0")}`,
        arrivedAt: arrived,
        lateSeconds: options.lateSeconds,
        tasks: Number(t.tasks),
        complete: Number(t.complete),
        open: t.open.map((o) => {
          const space = o.lastIndexOf(" ");
          return { path: o.slice(0, space), state: o.slice(space + 1) };
        }),
        deliveries: {
          total: Number(d?.total ?? 0),
          delivered: Number(d?.delivered ?? 0),
          failed: Number(d?.failed ?? 0),
        },
      });
    }
  }
  return late;
}

export function lateStepKey(cycle: string, step: number): string {
  return `step-late:${cycle}:${step}`;
}

export function lateStepAlert(step: LateStep, now: Date): Alert {
  const age = Math.round((now.getTime() - step.arrivedAt.getTime()) / 1000);
  const open = step.open
    .slice(0, 5)
    .map((o) => `${o.path} (${o.state})`)
    .join(", ");
  const firstOpen = step.open[0]?.path;
  return {
    key: lateStepKey(step.cycle, step.step),
    severity: "warning",
    title: `Step ${step.step} of cycle ${step.cycle} is late: not delivered ${age} s after its data arrived`,
    text: [
      `What: the products of step ${step.step} are not all made and delivered ${age} s after its data arrived ` +
        `(${step.arrivedAt.toISOString()}); a step is late after ${step.lateSeconds} s (alerts.lateStepSeconds).`,
      `Where: suite ${step.suite}, family ${step.family}: ${step.complete} of ${step.tasks} product tasks complete` +
        `${open ? ` (not yet: ${open}${step.open.length > 5 ? ", ..." : ""})` : ""}; ` +
        `${step.deliveries.delivered} of ${step.deliveries.total} files delivered` +
        `${step.deliveries.failed ? `, ${step.deliveries.failed} failed` : ""}.`,
      `What to do: \`cloudburst suite why ${firstOpen ?? step.family}\` says what holds it (a trigger, the ` +
        "compute limit, missing input data); `cloudburst fleet ls` shows whether compute nodes are up; " +
        `\`cloudburst suite show ${step.family}\` shows its tasks.`,
    ].join("\n"),
    details: {
      cycle: step.cycle,
      step: step.step,
      arrivedAt: step.arrivedAt.toISOString(),
      tasks: step.tasks,
      complete: step.complete,
      deliveries: step.deliveries,
    },
  };
}

/** The late-step check as a problem source of the alert watch (on its clock). */
export function lateStepProblems(pool: pg.Pool, producer: string, lateSeconds: number): ProblemSource {
  return {
    name: "late steps",
    clockOnly: true,
    async find({ now, since, settled }) {
      return (await lateSteps(pool, { producer, now, lateSeconds, since }))
        .filter((s) => !settled(lateStepKey(s.cycle, s.step)))
        .map((s) => lateStepAlert(s, now));
    },
  };
}
