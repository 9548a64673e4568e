// Every statement on the flow engine's tables (migration 0020_flow_engine.sql): `flow_suite` (the .def
// text a model is rebuilt from), `flow_node` (each node's runtime), `flow_history` and `flow_output`,
// and the notifications that wake the engine and the workers. Kept in one place and readable as SQL, as
// pg-boss keeps its own; the engine, the operator commands, the child reports and the queries call
// these, and other subsystems ask the engine's queries (queries.ts), never the tables.
import type pg from "pg";
import type { NodeRuntime, NodeState } from "../model/index.ts";
import type { ChildIdentity, StateEvent } from "./job.ts";
import { FLOW_JOBS_CHANNEL, FLOW_KILL_CHANNEL } from "./job.ts";
import { type NodeRow, runtimeExtra, type SuiteRow } from "./snapshot.ts";

export type Db = pg.Pool | pg.PoolClient;

/** The channel the engine listens on; the payload is `suiteId` (reload it all) or `suiteId path` (one node). */
export const FLOW_CHANGED_CHANNEL = "flow_changed";
/**
 * What the engine changed itself (follow-on states, submissions, dead jobs aborted, late flags, a suite
 * autocancelled), for watchers such as the web UI; the engine does not listen to it (it made the
 * change). The payload is `suiteId path path ...`, or `suiteId` alone for the whole suite or when the
 * paths would not fit in a notification.
 */
export const FLOW_ADVANCED_CHANNEL = "flow_advanced";
/** PostgreSQL refuses a notification payload of 8,000 bytes or more. */
const PAYLOAD_MAX_BYTES = 7900;

// ---- suites

const suiteColumns = "id::text, name, def_text, source_file, generation, begun_at, loaded_at";

export async function listSuiteRows(db: Db): Promise<SuiteRow[]> {
  return (await db.query<SuiteRow>(`select ${suiteColumns} from flow_suite order by name`)).rows;
}

/** A suite by its name or its id. */
export async function findSuiteRow(db: Db, nameOrId: string): Promise<SuiteRow | null> {
  const result = await db.query<SuiteRow>(
    `select ${suiteColumns} from flow_suite where name = $1 or id::text = $1`,
    [nameOrId],
  );
  return result.rows[0] ?? null;
}

/** Holds the suite's row lock for the caller's transaction: commands on one suite run one at a time. */
export async function lockSuiteRow(client: pg.PoolClient, id: string): Promise<void> {
  await client.query("select 1 from flow_suite where id = $1 for update", [id]);
}

export async function insertSuite(
  client: pg.PoolClient,
  suite: { name: string; text: string; file: string; actor: string },
): Promise<string> {
  const result = await client.query<{ id: string }>(
    `insert into flow_suite (name, def_text, source_file, loaded_by) values ($1, $2, $3, $4)
     returning id::text`,
    [suite.name, suite.text, suite.file, suite.actor],
  );
  return result.rows[0]!.id;
}

/** A suite's new definition replaces the old one; its nodes start again from `unknown`. */
export async function replaceSuiteDefinition(
  client: pg.PoolClient,
  id: string,
  suite: { text: string; file: string; actor: string },
): Promise<void> {
  await client.query("delete from flow_node where suite_id = $1", [id]);
  await client.query(
    `update flow_suite set def_text = $2, source_file = $3, loaded_at = now(), loaded_by = $4,
            begun_at = null, generation = generation + 1
      where id = $1`,
    [id, suite.text, suite.file, suite.actor],
  );
}

/** A new generation: the job ids of the coming tries cannot collide with earlier ones. */
export async function nextGeneration(client: pg.PoolClient, id: string, begun: boolean): Promise<void> {
  await client.query(
    `update flow_suite set generation = generation + 1,
            begun_at = case when $2 then now() else begun_at end
      where id = $1`,
    [id, begun],
  );
}

export async function deleteSuiteRow(db: Db, id: string): Promise<void> {
  await db.query("delete from flow_suite where id = $1", [id]);
}

/** Suites begun since `since`, by name. */
export async function suitesBegunSince(db: Db, since: Date): Promise<Array<{ id: string; name: string }>> {
  const result = await db.query<{ id: string; name: string }>(
    "select id::text, name from flow_suite where begun_at >= $1 order by name",
    [since],
  );
  return result.rows;
}

/** The suites whose name matches the regular expression `pattern`, the latest begun (or loaded) first. */
export async function latestSuitesNamed(
  db: Db,
  pattern: string,
  limit: number,
): Promise<Array<{ id: string; name: string }>> {
  const result = await db.query<{ id: string; name: string }>(
    `select id::text, name from flow_suite where name ~ $1
      order by coalesce(begun_at, loaded_at) desc limit $2`,
    [pattern, limit],
  );
  return result.rows;
}

// ---- nodes

const nodeColumns = `path, kind, state, suspended, try_no, submissions, job_id::text, queue, password, worker,
  events, meters, labels, variables, repeat_index, extra, data_ready_at, aborted_reason, state_since`;

/** A suite's node rows, or only those at `paths`. */
export async function nodeRows(db: Db, suiteId: string, paths?: readonly string[]): Promise<NodeRow[]> {
  const result = paths
    ? await db.query<NodeRow>(`select ${nodeColumns} from flow_node where suite_id = $1 and path = any($2)`, [
        suiteId,
        paths,
      ])
    : await db.query<NodeRow>(`select ${nodeColumns} from flow_node where suite_id = $1`, [suiteId]);
  return result.rows;
}

/** Writes full node rows (insert or replace) for many nodes at once. */
export async function writeNodes(
  client: pg.PoolClient,
  suiteId: string,
  nodes: ReadonlyArray<{ path: string; kind: string; runtime: NodeRuntime }>,
): Promise<void> {
  const chunk = 5000;
  for (let start = 0; start < nodes.length; start += chunk) {
    const part = nodes.slice(start, start + chunk);
    await client.query(
      `insert into flow_node (suite_id, path, kind, state, suspended, try_no, events, meters, labels, variables,
         repeat_index, extra)
       select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::bool[], $6::int[], $7::jsonb[], $8::jsonb[],
         $9::jsonb[], $10::jsonb[], $11::int[], $12::jsonb[])
       on conflict (suite_id, path) do update set
         state = excluded.state, suspended = excluded.suspended, try_no = excluded.try_no, events = excluded.events,
         meters = excluded.meters, labels = excluded.labels,
         -- (variables are kept: those set by operators outlive begin and requeue, as ecFlow's alter does)
         repeat_index = excluded.repeat_index, extra = excluded.extra, job_id = null, queue = null,
         password = null, worker = null, data_ready_at = null, aborted_reason = null, state_since = now()`,
      [
        suiteId,
        part.map((n) => n.path),
        part.map((n) => n.kind),
        part.map((n) => n.runtime.state),
        part.map((n) => n.runtime.suspended === true),
        part.map((n) => n.runtime.tryNo ?? 0),
        part.map((n) => JSON.stringify(n.runtime.events ?? {})),
        part.map((n) => JSON.stringify(n.runtime.meters ?? {})),
        part.map((n) => JSON.stringify(n.runtime.labels ?? {})),
        part.map((n) => JSON.stringify(n.runtime.variables ?? {})),
        part.map((n) => n.runtime.repeatIndex ?? null),
        part.map((n) => JSON.stringify(runtimeExtra(n.runtime))),
      ],
    );
  }
}

/**
 * What writeNodes leaves out of a definition loaded with its state (ecflow_client --migrate): that the
 * suite was begun, and why its aborted nodes aborted.
 */
export async function writeSavedState(
  client: pg.PoolClient,
  suiteId: string,
  state: { begun: boolean; abortedReasons: ReadonlyArray<{ path: string; reason: string }> },
): Promise<void> {
  if (state.begun) await client.query("update flow_suite set begun_at = now() where id = $1", [suiteId]);
  await client.query(
    `update flow_node f set aborted_reason = u.reason
       from unnest($2::text[], $3::text[]) as u(path, reason)
      where f.suite_id = $1 and f.path = u.path`,
    [suiteId, state.abortedReasons.map((a) => a.path), state.abortedReasons.map((a) => a.reason)],
  );
}

/** Tasks at or under `path` that are submitted or active (at most `limit`). */
export async function runningTasksUnder(
  db: Db,
  suiteId: string,
  path: string,
  limit = 5,
): Promise<Array<{ path: string; state: string }>> {
  const result = await db.query<{ path: string; state: string }>(
    `select path, state from flow_node
      where suite_id = $1 and kind = 'task' and state in ('submitted', 'active')
        and (path = $2 or path like $3)
      limit $4`,
    [suiteId, path, `${path}/%`, limit],
  );
  return result.rows;
}

/**
 * A follow-on change the engine decided on the node's state `expectedState`: false when the node moved
 * meanwhile (the engine reloads the suite and decides again).
 */
export async function updateNodeRuntime(
  client: pg.PoolClient,
  suiteId: string,
  change: { path: string; runtime: NodeRuntime; expectedState: NodeState | "unknown" },
): Promise<boolean> {
  const rt = change.runtime;
  const result = await client.query(
    `update flow_node set state = $3, suspended = $4, try_no = $5, events = $6, meters = $7, labels = $8,
            variables = $9, repeat_index = $10, extra = $11,
            aborted_reason = case when $3 = 'aborted' then aborted_reason else null end,
            data_ready_at = case when $3 = 'queued' and state <> 'queued' then null else data_ready_at end,
            state_since = case when state <> $3 then now() else state_since end
      where suite_id = $1 and path = $2 and state = $12`,
    [
      suiteId,
      change.path,
      rt.state,
      rt.suspended === true,
      rt.tryNo ?? 0,
      JSON.stringify(rt.events ?? {}),
      JSON.stringify(rt.meters ?? {}),
      JSON.stringify(rt.labels ?? {}),
      JSON.stringify(rt.variables ?? {}),
      rt.repeatIndex ?? null,
      JSON.stringify(runtimeExtra(rt)),
      change.expectedState,
    ],
  );
  return result.rowCount === 1;
}

/** One submission of one task, as the engine decided it. */
export interface SubmissionRow {
  path: string;
  expectedState: string;
  expectedTry: number;
  tryNo: number;
  submission: number;
  jobId: string;
  queue: string;
  password: string;
  dataReady: boolean;
}

// ---- edit & submit

/** Keeps the job text an operator edited for the task's next run (replacing one not yet run). */
export async function saveJobEdit(db: Db, suiteId: string, path: string, text: string, actor: string) {
  await db.query(
    `insert into flow_job_edit (suite_id, path, job_text, edited_by) values ($1, $2, $3, $4)
     on conflict (suite_id, path) do update set job_text = $3, edited_by = $4, edited_at = now()`,
    [suiteId, path, text, actor],
  );
}

/** Takes (and deletes) the edited jobs of these tasks: each is run once, by the try submitted now. */
export async function takeJobEdits(
  db: Db,
  suiteId: string,
  paths: readonly string[],
): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  const result = await db.query<{ path: string; job_text: string }>(
    "delete from flow_job_edit where suite_id = $1 and path = any($2) returning path, job_text",
    [suiteId, paths],
  );
  return new Map(result.rows.map((r) => [r.path, r.job_text]));
}

/** Marks tasks submitted, each only if it is still in the state and try it was decided on; the paths that were. */
export async function markSubmitted(
  client: pg.PoolClient,
  suiteId: string,
  rows: readonly SubmissionRow[],
): Promise<Set<string>> {
  const result = await client.query<{ path: string }>(
    `update flow_node f
        set state = 'submitted', try_no = u.new_try, submissions = u.submission, job_id = u.job_id::uuid,
            queue = u.queue, password = u.password, worker = null, aborted_reason = null,
            data_ready_at = case when u.data_ready then coalesce(f.data_ready_at, now()) else f.data_ready_at end,
            extra = f.extra - 'runNow' - 'flags', state_since = now()
       from unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[],
                   $10::bool[])
            as u(path, expected_state, expected_try, new_try, submission, job_id, queue, password, data_ready)
      where f.suite_id = $1 and f.path = u.path and f.state = u.expected_state and f.try_no = u.expected_try
      returning f.path`,
    [
      suiteId,
      rows.map((r) => r.path),
      rows.map((r) => r.expectedState),
      rows.map((r) => r.expectedTry),
      rows.map((r) => r.tryNo),
      rows.map((r) => r.submission),
      rows.map((r) => r.jobId),
      rows.map((r) => r.queue),
      rows.map((r) => r.password),
      rows.map((r) => r.dataReady),
    ],
  );
  return new Set(result.rows.map((r) => r.path));
}

/** A task the engine could not submit (e.g. a bad CB_QUEUE): aborted and marked forced, so not retried. */
export async function abortUnsubmittable(
  client: pg.PoolClient,
  suiteId: string,
  path: string,
  reason: string,
): Promise<void> {
  await client.query(
    `update flow_node set state = 'aborted', aborted_reason = $3, extra = extra || '{"flags": ["forced"]}',
            state_since = now()
      where suite_id = $1 and path = $2`,
    [suiteId, path, reason],
  );
}

/**
 * A task whose job died (lost heartbeat, expiry, ended without a report) is aborted with the reason, if
 * it still runs as that job; its password changes so that the dead try's reports are refused. True if
 * it was.
 */
export async function abortDeadJob(
  db: Db,
  task: {
    suiteId: string;
    path: string;
    jobId: string;
    reason: string;
    password: string;
    fromState: string | null;
  },
): Promise<boolean> {
  const result = await db.query(
    `with changed as (
       update flow_node set state = 'aborted', aborted_reason = $4, password = $5, state_since = now()
        where suite_id = $1 and path = $2 and job_id = $3::uuid and state in ('submitted', 'active')
        returning try_no)
     insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, detail, actor)
     select $1, $2, 'state', $6, 'aborted', try_no, $4, 'engine' from changed`,
    [task.suiteId, task.path, task.jobId, task.reason, task.password, task.fromState],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Flags a node late once, with a history entry; false if it was flagged already. */
export async function flagLate(db: Db, suiteId: string, path: string, detail: string): Promise<boolean> {
  const result = await db.query(
    `with flagged as (
       update flow_node set extra = jsonb_set(extra, '{flags}', coalesce(extra->'flags', '[]') || '["late"]')
        where suite_id = $1 and path = $2 and not coalesce(extra->'flags', '[]') ? 'late'
        returning try_no)
     insert into flow_history (suite_id, path, kind, try_no, detail, actor)
     select $1, $2, 'late', try_no, $3, 'engine' from flagged`,
    [suiteId, path, detail],
  );
  return (result.rowCount ?? 0) > 0;
}

/** `rerun`: the task queued again, to be submitted at once whatever its dependencies say. */
export async function queueToRunNow(client: pg.PoolClient, suiteId: string, path: string): Promise<void> {
  await client.query(
    `update flow_node set state = 'queued', extra = (extra - 'flags') || '{"runNow": true}',
            aborted_reason = null, state_since = now()
      where suite_id = $1 and path = $2`,
    [suiteId, path],
  );
}

export async function setNodeSuspended(
  client: pg.PoolClient,
  suiteId: string,
  path: string,
  suspended: boolean,
): Promise<void> {
  await client.query("update flow_node set suspended = $3 where suite_id = $1 and path = $2", [
    suiteId,
    path,
    suspended,
  ]);
}

/**
 * A task's state set by an operator (force) or ended by one (kill): a new password refuses the old
 * try's reports; a forced or killed abort carries its flag, so the engine does not retry it.
 */
export async function setTaskStateByOperator(
  client: pg.PoolClient,
  suiteId: string,
  task: { path: string; state: NodeState; password: string; reason: string; flag: "forced" | "killed" },
): Promise<void> {
  await client.query(
    `update flow_node set state = $3, password = $4, state_since = now(),
            aborted_reason = case when $3 = 'aborted' then $5 else null end,
            extra = case when $3 = 'aborted' then extra || jsonb_build_object('flags', jsonb_build_array($6::text))
                         else extra - 'flags' - 'runNow' end
      where suite_id = $1 and path = $2`,
    [suiteId, task.path, task.state, task.password, task.reason, task.flag],
  );
}

export async function setNodeVariable(
  client: pg.PoolClient,
  suiteId: string,
  path: string,
  variable: { name: string; value: string },
): Promise<void> {
  await client.query(
    `update flow_node set variables = variables || jsonb_build_object($3::text, $4::text)
      where suite_id = $1 and path = $2`,
    [suiteId, path, variable.name, variable.value],
  );
}

/** Merges keys into a node's runtime extras (e.g. freed dependencies). */
export async function mergeNodeExtra(
  client: pg.PoolClient,
  suiteId: string,
  path: string,
  extra: Partial<NodeRuntime>,
): Promise<void> {
  await client.query("update flow_node set extra = extra || $3::jsonb where suite_id = $1 and path = $2", [
    suiteId,
    path,
    JSON.stringify(extra),
  ]);
}

/** The job a task runs as now, and its state; null when there is no such task. */
export async function taskJob(
  db: Db,
  suiteId: string,
  path: string,
): Promise<{ jobId: string | null; state: string } | null> {
  const result = await db.query<{ job_id: string | null; state: string }>(
    "select job_id::text, state from flow_node where suite_id = $1 and path = $2",
    [suiteId, path],
  );
  const row = result.rows[0];
  return row ? { jobId: row.job_id, state: row.state } : null;
}

/** One task as other subsystems see it (cycle demand, late steps). */
export interface TaskStatusRow {
  path: string;
  state: NodeState;
  stateSince: Date;
  dataReadyAt: Date | null;
  worker: string | null;
}

/** The tasks of a suite whose path matches the LIKE `pattern`. */
export async function taskStatuses(db: Db, suiteId: string, pattern: string): Promise<TaskStatusRow[]> {
  const result = await db.query<{
    path: string;
    state: NodeState;
    state_since: Date;
    data_ready_at: Date | null;
    worker: string | null;
  }>(
    `select path, state, state_since, data_ready_at, worker from flow_node
      where suite_id = $1 and kind = 'task' and path like $2
      order by path`,
    [suiteId, pattern],
  );
  return result.rows.map((r) => ({
    path: r.path,
    state: r.state,
    stateSince: r.state_since,
    dataReadyAt: r.data_ready_at,
    worker: r.worker,
  }));
}

/** A task with its last finished try (null times when none finished): what the capacity planner learns from. */
export interface TaskRunRow {
  path: string;
  dataReadyAt: Date | null;
  labels: Record<string, string>;
  startedAt: Date | null;
  endedAt: Date | null;
  /** The worker that ran that try. */
  worker: string | null;
}

/** The tasks of a suite whose path matches the LIKE `pattern`, each with its last completed try. */
export async function lastCompletedTries(db: Db, suiteId: string, pattern: string): Promise<TaskRunRow[]> {
  const result = await db.query<{
    path: string;
    data_ready_at: Date | null;
    labels: Record<string, string> | null;
    started: Date | null;
    ended: Date | null;
    worker: string | null;
  }>(
    `with tries as (
       select h.path, h.try_no,
              max(h.at) filter (where h.to_state = 'active') as started,
              max(h.at) filter (where h.to_state = 'complete') as ended,
              (array_agg(h.actor order by h.id desc) filter (where h.to_state = 'active'))[1] as worker
         from flow_history h
        where h.suite_id = $1 and h.kind = 'state' and h.path like $2
        group by h.path, h.try_no)
     select n.path, n.data_ready_at, n.labels, t.started, t.ended, t.worker
       from flow_node n
       left join lateral (select * from tries t where t.path = n.path and t.ended is not null
                           order by t.try_no desc limit 1) t on true
      where n.suite_id = $1 and n.kind = 'task' and n.path like $2
      order by n.path`,
    [suiteId, pattern],
  );
  return result.rows.map((r) => ({
    path: r.path,
    dataReadyAt: r.data_ready_at,
    labels: r.labels ?? {},
    startedAt: r.started,
    endedAt: r.ended,
    worker: r.worker,
  }));
}

/** Aborted tasks since `since`, with the history entry of their last abort. */
export async function abortedTasksSince(
  db: Db,
  since: Date,
): Promise<
  Array<{
    suite_id: string;
    path: string;
    try_no: number;
    submissions: number;
    aborted_reason: string | null;
    state_since: Date;
    worker: string | null;
    flags: string[] | null;
    detail: string | null;
    actor: string | null;
    at: Date | null;
  }>
> {
  const result = await db.query(
    `select n.suite_id::text, n.path, n.try_no, n.submissions, n.aborted_reason, n.state_since, n.worker,
            n.extra->'flags' as flags, h.detail, h.actor, h.at
       from flow_node n
       left join lateral (
         select detail, actor, at from flow_history
          where suite_id = n.suite_id and path = n.path and to_state = 'aborted'
          order by id desc limit 1) h on true
      where n.kind = 'task' and n.state = 'aborted' and n.state_since >= $1
      order by n.state_since, n.path`,
    [since],
  );
  return result.rows;
}

// ---- history and output

export interface HistoryInsert {
  suiteId: string;
  path: string;
  kind: string;
  fromState?: string | null;
  toState?: string | null;
  tryNo?: number | null;
  detail?: string | null;
  actor: string;
}

export async function insertHistory(db: Db, entries: readonly HistoryInsert[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, detail, actor)
     select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
                          $8::text[])`,
    [
      entries.map((e) => e.suiteId),
      entries.map((e) => e.path),
      entries.map((e) => e.kind),
      entries.map((e) => e.fromState ?? null),
      entries.map((e) => e.toState ?? null),
      entries.map((e) => e.tryNo ?? null),
      entries.map((e) => e.detail ?? null),
      entries.map((e) => e.actor),
    ],
  );
}

export interface HistoryRow {
  at: Date;
  path: string;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  try_no: number | null;
  detail: string | null;
  actor: string;
}

/** The last `limit` history entries at or under `path`, oldest first. */
export async function historyUnder(
  db: Db,
  suiteId: string,
  path: string,
  limit: number,
): Promise<HistoryRow[]> {
  const result = await db.query<HistoryRow>(
    `select * from (
       select id, at, path, kind, from_state, to_state, try_no, detail, actor from flow_history
        where suite_id = $1 and (path = $2 or path like $3) order by id desc limit $4
     ) h order by id`,
    [suiteId, path, `${path}/%`, limit],
  );
  return result.rows;
}

/** Tasks' state changes to active, complete or aborted since `since`, in order (at most `limit`). */
export async function runTransitionsSince(
  db: Db,
  since: Date,
  limit: number,
): Promise<Array<{ path: string; at: Date; to_state: string }>> {
  const result = await db.query<{ path: string; at: Date; to_state: string }>(
    `select path, at, to_state from flow_history
      where at >= $1 and kind = 'state' and to_state in ('active', 'complete', 'aborted')
      order by id limit $2`,
    [since, limit],
  );
  return result.rows;
}

/** Run time of the latest finished tasks matching `pattern`: from their last start to their completion. */
export async function recentRunSeconds(
  db: Db,
  suiteId: string,
  pattern: string,
  limit: number,
): Promise<Array<{ path: string; seconds: number }>> {
  const result = await db.query<{ path: string; seconds: number }>(
    `select h.path, extract(epoch from max(h.at) filter (where h.to_state = 'complete')
                             - max(h.at) filter (where h.to_state = 'active'))::float8 as seconds
       from flow_history h
      where h.suite_id = $1 and h.path like $2 and h.kind = 'state'
      group by h.path
     having max(h.at) filter (where h.to_state = 'complete') > max(h.at) filter (where h.to_state = 'active')
      order by max(h.at) desc
      limit $3`,
    [suiteId, pattern, limit],
  );
  return result.rows;
}

export interface OutputInsert {
  stream: "stdout" | "stderr" | "system";
  line: string;
}

export async function appendOutputLines(
  db: Db,
  task: { suiteId: string; path: string; tryNo: number },
  lines: readonly OutputInsert[],
): Promise<void> {
  if (lines.length === 0) return;
  await db.query(
    `insert into flow_output (suite_id, path, try_no, stream, line)
     select $1, $2, $3, s, l from unnest($4::text[], $5::text[]) as u(s, l)`,
    [task.suiteId, task.path, task.tryNo, lines.map((l) => l.stream), lines.map((l) => l.line)],
  );
}

export async function outputLines(
  db: Db,
  suiteId: string,
  path: string,
  tryNo: number,
): Promise<Array<{ at: Date; stream: string; line: string }>> {
  const result = await db.query<{ at: Date; stream: string; line: string }>(
    "select at, stream, line from flow_output where suite_id = $1 and path = $2 and try_no = $3 order by id",
    [suiteId, path, tryNo],
  );
  return result.rows;
}

// ---- child reports

/** How a child event changes the task's row, when it is from the current try. */
interface ReportChange {
  set: string;
  allowed: string[];
  toState: string | null;
  detail: string | null;
  values: unknown[];
}

function reportChange(event: StateEvent): ReportChange {
  switch (event.type) {
    case "init":
      return {
        set: "state = 'active', worker = coalesce($10::text, f.worker), state_since = now()",
        allowed: ["submitted"],
        toState: "active",
        detail: event.worker ? `started on ${event.worker}` : "started",
        values: [event.worker ?? null],
      };
    case "complete":
      return {
        set: "state = 'complete', aborted_reason = null, state_since = now()",
        allowed: ["submitted", "active"],
        toState: "complete",
        detail: null,
        values: [],
      };
    case "abort": {
      const detail = event.reason?.trim() || "aborted by the job";
      return {
        set: "state = 'aborted', aborted_reason = $10::text, state_since = now()",
        allowed: ["submitted", "active"],
        toState: "aborted",
        detail,
        values: [detail],
      };
    }
    default: {
      const column = `${event.type}s`;
      const value = event.type === "event" ? (event.value ?? true) : event.value;
      return {
        set: `${column} = f.${column} || jsonb_build_object($10::text, $11::jsonb)`,
        allowed: ["submitted", "active"],
        toState: null,
        detail: `${event.name} = ${typeof value === "string" ? JSON.stringify(value) : value}`,
        values: [event.name, JSON.stringify(value)],
      };
    }
  }
}

/**
 * The common case of a report in one statement (one round trip): from the current try, in a state it
 * applies to, it changes the row, writes the history and wakes the engine. True if it did.
 */
export async function applyCurrentTryReport(
  db: Db,
  id: ChildIdentity,
  event: StateEvent,
  actor: string,
): Promise<boolean> {
  const change = reportChange(event);
  const result = await db.query<{ changed: number }>(
    `with old as (
       select state from flow_node
        where suite_id = $1 and path = $2 and kind = 'task' and try_no = $3 and password = $4
          and state = any($5::text[])
        for update),
     upd as (
       update flow_node f set ${change.set} from old where f.suite_id = $1 and f.path = $2
       returning old.state as from_state),
     hist as (
       insert into flow_history (suite_id, path, kind, from_state, to_state, try_no, detail, actor)
       select $1, $2, $6, case when $7::text is null then null else from_state end, $7::text, $3, $8::text, $9
         from upd
       returning 1),
     note as (select pg_notify('${FLOW_CHANGED_CHANNEL}', $1::text || ' ' || $2::text) from upd)
     select (select count(*) from upd)::int as changed, (select count(*) from hist) + (select count(*) from note) as side`,
    [
      id.suiteId,
      id.path,
      id.tryNo,
      id.password,
      change.allowed,
      change.toState ? "state" : event.type,
      change.toState,
      change.detail,
      actor,
      ...change.values,
    ],
  );
  return result.rows[0]?.changed === 1;
}

/** The reporting task's row under its row lock, to tell a repeat from a zombie. */
export async function lockTaskForReport(
  client: pg.PoolClient,
  id: Pick<ChildIdentity, "suiteId" | "path">,
): Promise<{ state: string; try_no: number; password: string | null } | null> {
  const result = await client.query<{ state: string; try_no: number; password: string | null }>(
    "select state, try_no, password from flow_node where suite_id = $1 and path = $2 and kind = 'task' for update",
    [id.suiteId, id.path],
  );
  return result.rows[0] ?? null;
}

/** `init` from the current try: the task is active, on `worker`. */
export async function setTaskActive(
  client: pg.PoolClient,
  id: ChildIdentity,
  worker: string | null,
): Promise<void> {
  await client.query(
    `update flow_node set state = 'active', worker = coalesce($3, worker), state_since = now()
      where suite_id = $1 and path = $2`,
    [id.suiteId, id.path, worker],
  );
}

/** `complete` or `abort` from the current try. */
export async function setTaskEnded(
  client: pg.PoolClient,
  id: ChildIdentity,
  state: "complete" | "aborted",
  reason: string | null,
): Promise<void> {
  await client.query(
    `update flow_node set state = $3, aborted_reason = $4, state_since = now()
      where suite_id = $1 and path = $2`,
    [id.suiteId, id.path, state, reason],
  );
}

/** An event, meter or label value from the current try. */
export async function setTaskAttribute(
  client: pg.PoolClient,
  id: ChildIdentity,
  kind: "event" | "meter" | "label",
  name: string,
  value: boolean | number | string,
): Promise<void> {
  const column = `${kind}s`;
  await client.query(
    `update flow_node set ${column} = ${column} || jsonb_build_object($3::text, $4::jsonb)
      where suite_id = $1 and path = $2`,
    [id.suiteId, id.path, name, JSON.stringify(value)],
  );
}

/** Where a `queue` attribute stands: the next step's index and each step's state. */
export type QueuePosition = NonNullable<NodeRuntime["queues"]>[string];

/** The saved position of queue `name` on the node at `path`, under the node's row lock; undefined if none yet. */
export async function lockQueuePosition(
  client: pg.PoolClient,
  suiteId: string,
  path: string,
  name: string,
): Promise<QueuePosition | undefined> {
  const result = await client.query<{ position: QueuePosition | null }>(
    "select extra->'queues'->$3::text as position from flow_node where suite_id = $1 and path = $2 for update",
    [suiteId, path, name],
  );
  return result.rows[0]?.position ?? undefined;
}

export async function saveQueuePosition(
  client: pg.PoolClient,
  suiteId: string,
  path: string,
  queue: { name: string; position: QueuePosition },
): Promise<void> {
  await client.query(
    `update flow_node
        set extra = jsonb_set(extra, '{queues}',
                              coalesce(extra->'queues', '{}') || jsonb_build_object($3::text, $4::jsonb))
      where suite_id = $1 and path = $2`,
    [suiteId, path, queue.name, JSON.stringify(queue.position)],
  );
}

// ---- notifications

/** Wakes the engine: the whole suite changed, or one node of it. */
export async function notifyChanged(db: Db, suiteId: string, path?: string): Promise<void> {
  await db.query("select pg_notify($1, $2)", [FLOW_CHANGED_CHANNEL, path ? `${suiteId} ${path}` : suiteId]);
}

/** The payload naming a suite's changed paths; the suite alone (all of it) when they would not fit. */
export function changedPayload(suiteId: string, paths: readonly string[]): string {
  const payload = [suiteId, ...new Set(paths)].join(" ");
  return Buffer.byteLength(payload) <= PAYLOAD_MAX_BYTES ? payload : suiteId;
}

/** Tells watchers what the engine changed in the suite, the paths or "all" (see FLOW_ADVANCED_CHANNEL). */
export async function notifyAdvanced(
  db: Db,
  suiteId: string,
  paths: readonly string[] | "all",
): Promise<void> {
  if (paths.length === 0) return;
  const payload = paths === "all" ? suiteId : changedPayload(suiteId, paths);
  await db.query("select pg_notify($1, $2)", [FLOW_ADVANCED_CHANNEL, payload]);
}

/** Tells the workers that an operator killed the job. */
export async function notifyKill(db: Db, jobId: string): Promise<void> {
  await db.query("select pg_notify($1, $2)", [FLOW_KILL_CHANNEL, jobId]);
}

/** Tells idle workers of the queue that jobs were submitted. */
export async function notifyJobs(db: Db, queue: string): Promise<void> {
  await db.query("select pg_notify($1, $2)", [FLOW_JOBS_CHANNEL, queue]);
}
