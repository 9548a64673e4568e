// `cycle.ingest`, the cycle suite's ingest/receive task: active while the cycle's data streams in, it
// keeps the meter `step` at the last planned step up to which every planned step's dissemination file
// is registered in the catalogue, and completes when every planned step has arrived. The step families
// trigger on that meter, so it must follow the catalogue at once: it wakes on the catalogue's
// fields_registered notification (a poll is only the safety net). It keeps nothing of its own: every
// pass asks the catalogue, so a rerun, or a retry after a control-server restart, starts from what is in.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { type FieldsRegisteredEvent, parseFieldsRegistered } from "../catalogue/events.ts";
import { stepArrivalTimes } from "../catalogue/query.ts";
import { FIELDS_REGISTERED_CHANNEL } from "../flow/engine/data-trigger.ts";
import type { ActionContext } from "../worker/actions.ts";
import type { CycleContext } from "./context.ts";
import { cycleBaseTime, plannedSteps } from "./names.ts";
import { STEP_METER } from "./suite.ts";

/** Between notifications, the catalogue is asked this often anyway (a dead connection may go unnoticed). */
const safetyPollMs = 2000;
/** Without a LISTEN connection (it failed or dropped), the catalogue is polled this often instead. */
const fallbackPollMs = 250;
/** A lost LISTEN connection is tried again at most this often. */
const reconnectMs = 5000;

/**
 * The meter's value: the furthest planned step that has arrived, -1 before the first. ECMWF sends the
 * steps in order, so `step ge 7` says the stream has reached step 7. A step that is missing (its file
 * late, or quarantined) does not hold up the products of the steps after it: its own products wait
 * for their inputs (CB_WAIT_FOR), the output line says which steps are still awaited, and the late-step
 * alert tells the operators.
 */
export function stepMeterValue(planned: readonly number[], arrived: ReadonlySet<number>): number {
  return planned.reduce((value, step) => (arrived.has(step) ? Math.max(value, step) : value), -1);
}

/** Which of `steps` the catalogue has fields of, for the producer's cycle at `baseTime`. */
export async function arrivedSteps(
  pool: pg.Pool,
  producer: string,
  baseTime: Date,
  steps: readonly number[],
): Promise<Set<number>> {
  return new Set((await stepArrivalTimes(pool, producer, baseTime, steps)).keys());
}

/** Wake-ups when the catalogue registers fields of one cycle. */
interface FieldWakeups {
  /** Resolves on a notification for the cycle (or one since the last wait), else after a poll interval. */
  wait(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** LISTENs for fields_registered (best effort: without a connection, wait() polls fast and reconnects). */
async function listenForFields(
  url: string,
  isOurs: (event: FieldsRegisteredEvent) => boolean,
): Promise<FieldWakeups> {
  let client: pg.Client | null = null;
  let lastAttempt = 0;
  let connections = 0;
  // A notification since the last wait: the next wait returns at once.
  let pending = false;
  let wake: (() => void) | null = null;
  const notified = (payload: string | undefined) => {
    let ours = true;
    try {
      ours = isOurs(parseFieldsRegistered(payload ?? ""));
    } catch {
      // An unreadable payload is still a hint to look.
    }
    if (!ours) return;
    pending = true;
    wake?.();
  };
  const connect = async () => {
    lastAttempt = Date.now();
    const fresh = new pg.Client({ connectionString: url, application_name: "cloudburst-ingest-listen" });
    fresh.on("error", () => undefined);
    fresh.on("end", () => {
      if (client === fresh) client = null;
    });
    fresh.on("notification", (message) => notified(message.payload));
    try {
      await fresh.connect();
      await fresh.query(`listen ${FIELDS_REGISTERED_CHANNEL}`);
      client = fresh;
      // What was registered while nobody listened is only in the catalogue: look again.
      if (connections++ > 0) pending = true;
    } catch {
      await fresh.end().catch(() => undefined);
    }
  };
  await connect();
  return {
    async wait(signal) {
      if (!client && Date.now() - lastAttempt >= reconnectMs) await connect();
      if (pending) {
        pending = false;
        return;
      }
      const woken = new AbortController();
      wake = () => woken.abort();
      try {
        await sleep(client ? safetyPollMs : fallbackPollMs, undefined, {
          signal: AbortSignal.any([signal, woken.signal]),
        });
      } catch (error) {
        if (signal.aborted) throw error;
      } finally {
        wake = null;
        pending = false;
      }
    },
    async close() {
      const open = client;
      client = null;
      await open?.end().catch(() => undefined);
    },
  };
}

/** The task's output line after steps arrived: how far the cycle is and what it waits for. */
function progressLine(cycle: string, planned: readonly number[], arrived: ReadonlySet<number>): string {
  const waiting = planned.filter((s) => !arrived.has(s));
  const next = waiting.length > 10 ? `${waiting.slice(0, 10).join(", ")}, ...` : waiting.join(", ");
  const meter = `meter ${STEP_METER} = ${stepMeterValue(planned, arrived)}`;
  const wait = waiting.length ? `; waiting for step ${next}` : "; every planned step is in";
  return `${cycle}: ${arrived.size} of ${planned.length} planned steps in, ${meter}${wait}`;
}

export async function runIngestAction(
  cycle: CycleContext,
  { variables, report, log, signal }: ActionContext,
): Promise<void> {
  const producer = cycle.settings.producer;
  const baseTime = cycleBaseTime(variables);
  const planned = plannedSteps(variables);
  // Listening before the first look: nothing registered in between is missed.
  const wakeups = await listenForFields(
    cycle.db.url,
    (event) => event.producer === producer && new Date(event.baseTime).getTime() === baseTime.getTime(),
  );
  try {
    const arrived = new Set<number>();
    let reported: number | null = null;
    for (;;) {
      const missing = planned.filter((s) => !arrived.has(s));
      const found = await arrivedSteps(cycle.db.pool, producer, baseTime, missing);
      for (const step of found) arrived.add(step);
      const first = reported === null;
      // The first pass reports whatever is in: a rerun starts from the catalogue, not from -1.
      const value = stepMeterValue(planned, arrived);
      if (value !== reported) {
        await report({ type: "meter", name: STEP_METER, value });
        reported = value;
      }
      if (first || found.size > 0)
        log(progressLine(`${producer} ${baseTime.toISOString()}`, planned, arrived));
      if (arrived.size === planned.length) return;
      await wakeups.wait(signal);
    }
  } finally {
    await wakeups.close();
  }
}
