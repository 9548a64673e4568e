// Prometheus metrics of the forecast cycle, read from PostgreSQL when Prometheus scrapes: per step of the
// latest cycle with deliveries, the time from its data's arrival to the delivery of its last product and
// how late that delivery was against ECMWF's dissemination schedule; and the steps now late.
import type pg from "pg";
import { Gauge, type Registry } from "prom-client";
import { stepArrivalTimes } from "../catalogue/query.ts";
import { latestDeliveredCycle, stepDeliveryTimes } from "../delivery/ledger.ts";
import { stepArrivals } from "./dissemination.ts";
import { lateSteps } from "./late-steps.ts";
import { baseTimeOfKey } from "./names.ts";

/** How far back the late-step count looks for begun cycle suites. */
const LATE_WINDOW_MS = 2 * 24 * 3600 * 1000;

export function registerCycleMetrics(
  registry: Registry,
  pool: pg.Pool,
  options: { producer: string; lateStepSeconds: number },
): void {
  const registers = [registry];
  let reading: Promise<LatestCycle> | null = null;
  const steps = () => {
    reading ??= latestCycleSteps(pool, options.producer).finally(() => {
      reading = null;
    });
    return reading;
  };
  const latency: Gauge<"cycle" | "step"> = new Gauge({
    name: "cloudburst_cycle_step_latency_seconds",
    help: "Latest cycle: seconds from a step's data arriving (its first field catalogued) to its last product delivered",
    labelNames: ["cycle", "step"],
    registers,
    async collect() {
      latency.reset();
      for (const s of (await steps()).steps)
        if (s.arrivedAt)
          latency.set({ cycle: s.cycle, step: String(s.step) }, seconds(s.deliveredAt, s.arrivedAt));
    },
  });
  const lateness: Gauge<"cycle" | "step"> = new Gauge({
    name: "cloudburst_cycle_step_lateness_seconds",
    help: "Latest cycle: seconds from a step's time in ECMWF's dissemination schedule to its last product delivered",
    labelNames: ["cycle", "step"],
    registers,
    async collect() {
      lateness.reset();
      for (const s of (await steps()).steps)
        if (s.scheduledAt)
          lateness.set({ cycle: s.cycle, step: String(s.step) }, seconds(s.deliveredAt, s.scheduledAt));
    },
  });
  const late: Gauge<"cycle"> = new Gauge({
    name: "cloudburst_cycle_late_steps",
    help: "Steps of begun cycle suites whose data arrived more than alerts.lateStepSeconds ago and whose products are not all made and delivered",
    labelNames: ["cycle"],
    registers,
    async collect() {
      const now = new Date();
      const found = await lateSteps(pool, {
        producer: options.producer,
        now,
        lateSeconds: options.lateStepSeconds,
        since: new Date(now.getTime() - LATE_WINDOW_MS),
      });
      late.reset();
      const latest = (await steps()).cycle;
      if (latest) late.set({ cycle: latest }, 0);
      for (const s of found) late.inc({ cycle: s.cycle });
    },
  });
}

interface LatestCycle {
  /** The cycle key, null when nothing was ever queued for delivery. */
  cycle: string | null;
  steps: StepTimes[];
}

interface StepTimes {
  cycle: string;
  step: number;
  arrivedAt: Date | null;
  scheduledAt: Date | null;
  deliveredAt: Date;
}

const seconds = (later: Date, earlier: Date) => (later.getTime() - earlier.getTime()) / 1000;

/** The steps of the latest cycle with deliveries whose products are all delivered, with their times. */
async function latestCycleSteps(pool: pg.Pool, producer: string): Promise<LatestCycle> {
  const cycle = await latestDeliveredCycle(pool);
  const baseTime = cycle ? baseTimeOfKey(cycle) : null;
  if (!cycle || !baseTime) return { cycle, steps: [] };
  const delivered = (await stepDeliveryTimes(pool, cycle)).filter((s) => s.open === 0 && s.last !== null);
  const arrived = await stepArrivalTimes(
    pool,
    producer,
    baseTime,
    delivered.map((s) => s.step),
  );
  const scheduled = new Map(stepArrivals(360).map((a) => [a.step, a.minute]));
  const steps = delivered.map((s) => {
    const minute = scheduled.get(s.step);
    return {
      cycle,
      step: s.step,
      arrivedAt: arrived.get(s.step) ?? null,
      scheduledAt: minute === undefined ? null : new Date(baseTime.getTime() + minute * 60_000),
      deliveredAt: s.last!,
    };
  });
  return { cycle, steps };
}
