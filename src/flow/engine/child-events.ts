// Applies what a running task reports (ecFlow's child commands) to its durable state, in one
// transaction each, and wakes the scheduler. A report from any try other than the task's current one
// (wrong try number or password, or a task no longer running) is refused: that is how a zombie, e.g.
// a job that was presumed dead and retried elsewhere, is kept from changing anything.

import type pg from "pg";
import { inTransaction } from "../../db/transaction.ts";
import { applyChildRequest } from "./child-requests.ts";
import type { ChildEvent, ChildIdentity, StateEvent } from "./job.ts";
import {
  appendOutputLines,
  applyCurrentTryReport,
  insertHistory,
  lockTaskForReport,
  notifyChanged,
  type OutputInsert,
  setTaskActive,
  setTaskAttribute,
  setTaskEnded,
} from "./store.ts";

export { FLOW_CHANGED_CHANNEL } from "./store.ts";

export interface ChildEventResult {
  accepted: boolean;
  message: string;
  /** What a query returns: `true`/`false` for a wait, the step (or count) for a queue. */
  value?: string;
}

export async function applyChildEvent(
  pool: pg.Pool,
  id: ChildIdentity,
  event: ChildEvent,
  actor = "child",
): Promise<ChildEventResult> {
  if (event.type === "wait" || event.type === "queue") return applyChildRequest(pool, id, event, actor);
  // The common case in one statement (one round trip): the report is from the current try and moves it on.
  if (await applyCurrentTryReport(pool, id, event, actor))
    return { accepted: true, message: fastMessage(event) };
  // Otherwise find out why not (a repeat of a report already applied, or a zombie), under a row lock.
  // A refusal writes nothing before it returns, so committing it only releases the row lock.
  return inTransaction(pool, (client) => applyInTransaction(client, id, event, actor));
}

function fastMessage(event: StateEvent): string {
  return event.type === "init"
    ? "active"
    : event.type === "abort"
      ? "aborted"
      : event.type === "complete"
        ? "complete"
        : "ok";
}

async function applyInTransaction(
  client: pg.PoolClient,
  id: ChildIdentity,
  event: StateEvent,
  actor: string,
): Promise<ChildEventResult> {
  const row = await lockTaskForReport(client, id);
  if (!row) return refuse(`no task ${id.path} in suite ${id.suiteId}`);
  if (row.try_no !== id.tryNo || row.password !== id.password) {
    return refuse(
      `zombie: ${id.path} try ${id.tryNo} is not the task's current try (${row.try_no}); the report was ignored`,
    );
  }
  const running = row.state === "submitted" || row.state === "active";
  const recorded = async (kind: string, toState: string | null, detail: string | null) => {
    await insertHistory(client, [
      {
        suiteId: id.suiteId,
        path: id.path,
        kind,
        fromState: toState ? row.state : null,
        toState,
        tryNo: id.tryNo,
        detail,
        actor,
      },
    ]);
    await notifyChanged(client, id.suiteId, id.path);
  };

  switch (event.type) {
    case "init": {
      if (row.state === "active") return { accepted: true, message: "already active" };
      if (row.state !== "submitted") return refuse(`zombie: ${id.path} is ${row.state}, not submitted`);
      await setTaskActive(client, id, event.worker ?? null);
      await recorded("state", "active", event.worker ? `started on ${event.worker}` : "started");
      return { accepted: true, message: "active" };
    }
    case "complete":
    case "abort": {
      const target = event.type === "complete" ? "complete" : "aborted";
      if (row.state === target) return { accepted: true, message: `already ${target}` };
      if (!running) return refuse(`zombie: ${id.path} is ${row.state}, not running`);
      const reason = event.type === "abort" ? event.reason?.trim() || "aborted by the job" : null;
      await setTaskEnded(client, id, target, reason);
      await recorded("state", target, reason);
      return { accepted: true, message: target };
    }
    case "event":
    case "meter":
    case "label": {
      if (!running) return refuse(`zombie: ${id.path} is ${row.state}, not running`);
      const value = event.type === "event" ? (event.value ?? true) : event.value;
      await setTaskAttribute(client, id, event.type, event.name, value);
      await recorded(
        event.type,
        null,
        `${event.name} = ${typeof value === "string" ? JSON.stringify(value) : value}`,
      );
      return { accepted: true, message: "ok" };
    }
  }
}

function refuse(message: string): ChildEventResult {
  return { accepted: false, message };
}

export type OutputLine = OutputInsert;

/** Appends lines to a try's output log. */
export async function appendOutput(
  pool: pg.Pool,
  suiteId: string,
  path: string,
  tryNo: number,
  lines: OutputLine[],
): Promise<void> {
  await appendOutputLines(pool, { suiteId, path, tryNo }, lines);
}
