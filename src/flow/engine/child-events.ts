// Applies what a running task reports (ecFlow's child commands) to its durable state, in one
// transaction each, and wakes the scheduler. A report from any try other than the task's current one
// (wrong try number or password, or a task no longer running) is refused: that is how a zombie, e.g.
// a job that was presumed dead and retried elsewhere, is kept from changing anything.

import type pg from "pg";
import { inTransaction } from "../../db/transaction.ts";
import { applyChildRequest } from "./child-requests.ts";
import type { ChildEvent, ChildIdentity } from "./job.ts";

/** The channel the scheduler listens on; the payload is `suiteId` (reload it all) or `suiteId path` (one node). */
export const FLOW_CHANGED_CHANNEL = "flow_changed";

export interface ChildEventResult {
  accepted: boolean;
  message: string;
  /** What a query returns: `true`/`false` for a wait, the step (or count) for a queue. */
  value?: string;
}

interface TaskRow {
  state: string;
  try_no: number;
  password: string | null;
}

export async function applyChildEvent(
  pool: pg.Pool,
  id: ChildIdentity,
  event: ChildEvent,
  actor = "child",
): Promise<ChildEventResult> {
  if (event.type === "wait" || event.type === "queue") return applyChildRequest(pool, id, event, actor);
  // The common case in one statement (one round trip): the report is from the current try and moves it on.
  if (await applyFast(pool, id, event, actor)) return { accepted: true, message: fastMessage(event) };
  // Otherwise find out why not (a repeat of a report already applied, or a zombie), under a row lock.
  // A refusal writes nothing before it returns, so committing it only releases the row lock.
  return inTransaction(pool, (client) => applyInTransaction(client, id, event, actor));
}

/** The reports that change the task's state or attributes (wait and queue are child-requests.ts'). */
type StateEvent = Exclude<ChildEvent, { type: "wait" | "queue" }>;

function fastMessage(event: StateEvent): string {
  return event.type === "init"
    ? "active"
    : event.type === "abort"
      ? "aborted"
      : event.type === "complete"
        ? "complete"
        : "ok";
}

/** Applies the event if it is from the current try and the task is in a state it applies to; true if it did. */
async function applyFast(
  pool: pg.Pool,
  id: ChildIdentity,
  event: StateEvent,
  actor: string,
): Promise<boolean> {
  let set: string;
  let allowed: string[];
  let toState: string | null = null;
  let detail: string | null = null;
  const extra: unknown[] = [];
  switch (event.type) {
    case "init":
      set = "state = 'active', worker = coalesce($10::text, f.worker), state_since = now()";
      allowed = ["submitted"];
      toState = "active";
      detail = event.worker ? `started on ${event.worker}` : "started";
      extra.push(event.worker ?? null);
      break;
    case "complete":
      set = "state = 'complete', aborted_reason = null, state_since = now()";
      allowed = ["submitted", "active"];
      toState = "complete";
      break;
    case "abort":
      detail = event.reason?.trim() || "aborted by the job";
      set = "state = 'aborted', aborted_reason = $10::text, state_since = now()";
      allowed = ["submitted", "active"];
      toState = "aborted";
      extra.push(detail);
      break;
    default: {
      const column = `${event.type}s`;
      const value = event.type === "event" ? (event.value ?? true) : event.value;
      set = `${column} = f.${column} || jsonb_build_object($10::text, $11::jsonb)`;
      allowed = ["submitted", "active"];
      detail = `${event.name} = ${typeof value === "string" ? JSON.stringify(value) : value}`;
      extra.push(event.name, JSON.stringify(value));
    }
  }
  const result = await pool.query<{ changed: number }>(
    `with old as (
       select state from flow_node
        where suite_id = $1 and path = $2 and kind = 'task' and try_no = $3 and password = $4 and state = any($5::text[])
        for update),
     upd as (
       update flow_node f set ${set} from old where f.suite_id = $1 and f.path = $2 returning old.state as from_state),
     hist as (
       insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, detail, actor)
       select $1, $2, $6, case when $7::text is null then null else from_state end, $7::text, $3, $8::text, $9 from upd
       returning 1),
     note as (select pg_notify('${FLOW_CHANGED_CHANNEL}', $1::text || ' ' || $2::text) from upd)
     select (select count(*) from upd)::int as changed, (select count(*) from hist) + (select count(*) from note) as side`,
    [
      id.suiteId,
      id.path,
      id.tryNo,
      id.password,
      allowed,
      toState ? "state" : event.type,
      toState,
      detail,
      actor,
      ...extra,
    ],
  );
  return result.rows[0]?.changed === 1;
}

async function applyInTransaction(
  client: pg.PoolClient,
  id: ChildIdentity,
  event: StateEvent,
  actor: string,
): Promise<ChildEventResult> {
  const found = await client.query<TaskRow>(
    `select state, try_no, password from flow_node
      where suite_id = $1 and path = $2 and kind = 'task' for update`,
    [id.suiteId, id.path],
  );
  const row = found.rows[0];
  if (!row) return refuse(`no task ${id.path} in suite ${id.suiteId}`);
  if (row.try_no !== id.tryNo || row.password !== id.password) {
    return refuse(
      `zombie: ${id.path} try ${id.tryNo} is not the task's current try (${row.try_no}); the report was ignored`,
    );
  }
  const running = row.state === "submitted" || row.state === "active";
  const history = (kind: string, toState: string | null, detail: string | null) =>
    client.query(
      `insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, detail, actor)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [id.suiteId, id.path, kind, toState ? row.state : null, toState, id.tryNo, detail, actor],
    );
  const notify = () =>
    client.query("select pg_notify($1, $2)", [FLOW_CHANGED_CHANNEL, `${id.suiteId} ${id.path}`]);

  switch (event.type) {
    case "init": {
      if (row.state === "active") return { accepted: true, message: "already active" };
      if (row.state !== "submitted") return refuse(`zombie: ${id.path} is ${row.state}, not submitted`);
      await client.query(
        `update flow_node set state = 'active', worker = coalesce($3, worker), state_since = now()
          where suite_id = $1 and path = $2`,
        [id.suiteId, id.path, event.worker ?? null],
      );
      await history("state", "active", event.worker ? `started on ${event.worker}` : "started");
      await notify();
      return { accepted: true, message: "active" };
    }
    case "complete":
    case "abort": {
      const target = event.type === "complete" ? "complete" : "aborted";
      if (row.state === target) return { accepted: true, message: `already ${target}` };
      if (!running) return refuse(`zombie: ${id.path} is ${row.state}, not running`);
      const reason = event.type === "abort" ? event.reason?.trim() || "aborted by the job" : null;
      await client.query(
        `update flow_node set state = $3, aborted_reason = $4, state_since = now()
          where suite_id = $1 and path = $2`,
        [id.suiteId, id.path, target, reason],
      );
      await history("state", target, reason);
      await notify();
      return { accepted: true, message: target };
    }
    case "event":
    case "meter":
    case "label": {
      if (!running) return refuse(`zombie: ${id.path} is ${row.state}, not running`);
      const column = `${event.type}s`;
      const value = event.type === "event" ? (event.value ?? true) : event.value;
      await client.query(
        `update flow_node set ${column} = ${column} || jsonb_build_object($3::text, $4::jsonb)
          where suite_id = $1 and path = $2`,
        [id.suiteId, id.path, event.name, JSON.stringify(value)],
      );
      await history(
        event.type,
        null,
        `${event.name} = ${typeof value === "string" ? JSON.stringify(value) : value}`,
      );
      await notify();
      return { accepted: true, message: "ok" };
    }
  }
}

function refuse(message: string): ChildEventResult {
  return { accepted: false, message };
}

export interface OutputLine {
  stream: "stdout" | "stderr" | "system";
  line: string;
}

/** Appends lines to a try's output log. */
export async function appendOutput(
  pool: pg.Pool,
  suiteId: string,
  path: string,
  tryNo: number,
  lines: OutputLine[],
): Promise<void> {
  if (lines.length === 0) return;
  await pool.query(
    `insert into flow_output (suite_id, path, try_no, stream, line)
     select $1, $2, $3, s, l from unnest($4::text[], $5::text[]) as u(s, l)`,
    [suiteId, path, tryNo, lines.map((l) => l.stream), lines.map((l) => l.line)],
  );
}
