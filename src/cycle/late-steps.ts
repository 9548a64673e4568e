// Late steps of a forecast cycle, for the alert watch: a step whose data arrived (its first field in the
// catalogue) more than alerts.lateStepSeconds ago while its products are not all made (the tasks of
// its family in the cycle suite) and delivered (the delivery ledger). Read from PostgreSQL only; the
// alert watch asks on its clock.
import type pg from "pg";
import type { Alert } from "../alerts/alerts.ts";
import type { ProblemSource } from "../alerts/watch.ts";
import { stepArrivalTimes } from "../catalogue/query.ts";
import { deliveriesByStep } from "../delivery/ledger.ts";
import { begunSuites, type TaskStatusRow, tasksUnder } from "../flow/engine/queries.ts";
import { cycleKey, cycleSuiteBaseTime, PRODUCTS_FAMILY, stepFamilyPath, stepOfPath } from "./names.ts";

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

/** Steps of begun cycle suites (begun since `since`) whose data is older than `lateSeconds` and not yet all delivered. */
export async function lateSteps(
  pool: pg.Pool,
  options: { producer: string; now: Date; lateSeconds: number; since: Date },
): Promise<LateStep[]> {
  const late: LateStep[] = [];
  for (const suite of await begunSuites(pool, options.since)) {
    const baseTime = cycleSuiteBaseTime(suite.name);
    if (!baseTime) continue;
    const key = cycleKey(options.producer, baseTime);
    const tasks = tasksByStep(await tasksUnder(pool, suite.id, `/${suite.name}/${PRODUCTS_FAMILY}`));
    const delivery = await deliveriesByStep(pool, key);
    const unfinished = [...tasks].filter(([step, stepTasks]) => {
      const d = delivery.get(step);
      return stepTasks.some((t) => t.state !== "complete") || (d !== undefined && d.delivered < d.total);
    });
    if (unfinished.length === 0) continue;
    const arrivedAt = await stepArrivalTimes(
      pool,
      options.producer,
      baseTime,
      unfinished.map(([step]) => step),
    );
    for (const [step, stepTasks] of unfinished) {
      const arrived = arrivedAt.get(step);
      if (!arrived || options.now.getTime() - arrived.getTime() <= options.lateSeconds * 1000) continue;
      late.push({
        suite: suite.name,
        cycle: key,
        step,
        family: stepFamilyPath(suite.name, step),
        arrivedAt: arrived,
        lateSeconds: options.lateSeconds,
        tasks: stepTasks.length,
        complete: stepTasks.filter((t) => t.state === "complete").length,
        open: stepTasks.filter((t) => t.state !== "complete").map((t) => ({ path: t.path, state: t.state })),
        deliveries: delivery.get(step) ?? { total: 0, delivered: 0, failed: 0 },
      });
    }
  }
  return late;
}

/** A cycle suite's product tasks grouped by their step family. */
function tasksByStep(tasks: readonly TaskStatusRow[]): Map<number, TaskStatusRow[]> {
  const byStep = new Map<number, TaskStatusRow[]>();
  for (const task of tasks) {
    const step = stepOfPath(task.path);
    if (step === null) continue;
    byStep.set(step, [...(byStep.get(step) ?? []), task]);
  }
  return byStep;
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
