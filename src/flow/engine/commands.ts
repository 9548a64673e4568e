// Operator commands on the durable flow state (ecFlow's user commands): load, begin, requeue, rerun,
// suspend, resume, force, kill. Each is one transaction that records who did what in the history and
// wakes the scheduler; the CLI and the HTTP API both call these.

import { randomBytes } from "node:crypto";
import type pg from "pg";
import { inTransaction } from "../../db/transaction.ts";
import { checkDefs, printDefs } from "../def/index.ts";
import { savedSuiteState } from "../logic/saved-state.ts";
import { beginRuntime } from "../logic/state.ts";
import { type Defs, type Node, type NodeRuntime, type Suite, walkNode } from "../model/index.ts";
import { FLOW_CHANGED_CHANNEL } from "./child-events.ts";
import { FLOW_KILL_CHANNEL } from "./job.ts";
import {
  definedRuntime,
  findSuiteRow,
  insertHistory,
  loadSnapshot,
  runtimeExtra,
  type SuiteRow,
  type SuiteSnapshot,
  suiteNodes,
} from "./store.ts";

/** A command that cannot be done; `code` maps to an HTTP status. */
export class FlowCommandError extends Error {
  override name = "FlowCommandError";
  readonly code: "not_found" | "conflict" | "bad_request";
  readonly hint: string | undefined;
  constructor(code: "not_found" | "conflict" | "bad_request", message: string, hint?: string) {
    super(message);
    this.code = code;
    this.hint = hint;
  }
}

type Db = pg.Pool;

function notifyChanged(client: pg.PoolClient, suiteId: string) {
  return client.query("select pg_notify($1, $2)", [FLOW_CHANGED_CHANNEL, suiteId]);
}

/** Writes full node rows (insert or replace) for many nodes at once. */
async function writeNodes(
  client: pg.PoolClient,
  suiteId: string,
  nodes: Array<{ node: Node; runtime: NodeRuntime }>,
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
        part.map((n) => n.node.path),
        part.map((n) => n.node.kind),
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

/** What writeNodes leaves out of a saved state: abort reasons, and that the suite was begun. */
async function writeSavedState(
  client: pg.PoolClient,
  suiteId: string,
  begun: boolean,
  nodes: Array<{ node: Node; runtime: NodeRuntime }>,
): Promise<void> {
  if (begun) await client.query("update flow_suite set begun_at = now() where id = $1", [suiteId]);
  const aborted = nodes.filter((n) => n.runtime.abortedReason);
  await client.query(
    `update flow_node f set aborted_reason = u.reason from unnest($2::text[], $3::text[]) as u(path, reason)
      where f.suite_id = $1 and f.path = u.path`,
    [suiteId, aborted.map((n) => n.node.path), aborted.map((n) => n.runtime.abortedReason)],
  );
}

export interface LoadResult {
  suites: Array<{ id: string; name: string; nodes: number; replaced: boolean }>;
}

/** `suite load`: stores each suite of a .def text; its nodes start `unknown` until `begin`. */
export async function loadSuites(
  pool: Db,
  text: string,
  file: string,
  options: { replace?: boolean; actor: string },
): Promise<LoadResult> {
  const defs: Defs = checkDefs(text, file);
  if (defs.suites.length === 0) throw new FlowCommandError("bad_request", `${file} defines no suite`);
  // A definition with state (ecflow_client --migrate) starts from that state; its text is kept without it.
  const saved = defs.state ? defs.suites.map((suite) => savedSuiteState(defs, suite, new Date())) : undefined;
  const refused = saved?.flatMap((s) => s.refused) ?? [];
  if (refused.length)
    throw new FlowCommandError("bad_request", `cannot load ${file} with its state: ${refused.join("; ")}`);
  if (defs.state) text = printDefs(defs);
  return inTransaction(pool, async (client) => {
    const loaded: LoadResult["suites"] = [];
    for (const [i, suite] of defs.suites.entries()) {
      const existing = await findSuiteRow(client, suite.name);
      if (existing) {
        if (!options.replace) {
          throw new FlowCommandError(
            "conflict",
            `suite ${suite.name} is already loaded`,
            "pass --replace to replace it (its state is reset), or delete it first",
          );
        }
        await assertNothingRunning(client, existing.id, `/${suite.name}`, "replace");
        await client.query("delete from flow_node where suite_id = $1", [existing.id]);
        await client.query(
          `update flow_suite set def_text = $2, source_file = $3, loaded_at = now(), loaded_by = $4,
             begun_at = null, generation = generation + 1 where id = $1`,
          [existing.id, text, file, options.actor],
        );
      }
      const id =
        existing?.id ??
        (
          await client.query<{ id: string }>(
            "insert into flow_suite (name, def_text, source_file, loaded_by) values ($1, $2, $3, $4) returning id::text",
            [suite.name, text, file, options.actor],
          )
        ).rows[0]!.id;
      const state = saved?.[i];
      const nodes = suiteNodes(suite).map((node) => ({
        node,
        runtime: state?.runtime.nodes.get(node.path) ?? definedRuntime(node, "unknown"),
      }));
      await writeNodes(client, id, nodes);
      if (state) await writeSavedState(client, id, state.begun, nodes);
      await insertHistory(client, [
        {
          suiteId: id,
          path: suite.path,
          kind: "command",
          detail: `loaded from ${file}`,
          actor: options.actor,
        },
      ]);
      await notifyChanged(client, id);
      loaded.push({ id, name: suite.name, nodes: nodes.length, replaced: existing !== null });
    }
    return { suites: loaded };
  });
}

/** Removes a suite and all its state. */
export async function deleteSuite(pool: Db, name: string, actor: string, force = false): Promise<void> {
  await inTransaction(pool, async (client) => {
    const row = await lockSuite(client, name);
    if (!force) await assertNothingRunning(client, row.id, `/${row.name}`, "delete");
    await client.query("delete from flow_suite where id = $1", [row.id]);
    await client.query("insert into audit_log (actor, action, subject) values ($1, 'suite.delete', $2)", [
      actor,
      row.name,
    ]);
    await notifyChanged(client, row.id);
  });
}

/** Splits `/suite/family/task` into the suite name and the path. */
export function parseNodePath(path: string): { suiteName: string; path: string } {
  const trimmed = path.trim().replace(/\/+$/, "");
  const normalised = trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
  const suiteName = normalised.split("/")[1] ?? "";
  if (!suiteName || !/^\/[A-Za-z0-9_.][A-Za-z0-9_./]*$/.test(normalised)) {
    throw new FlowCommandError(
      "bad_request",
      `"${path}" is not a node path`,
      "write it as /suite/family/task",
    );
  }
  return { suiteName, path: normalised };
}

async function lockSuite(client: pg.PoolClient, name: string): Promise<SuiteRow> {
  const row = await findSuiteRow(client, name);
  if (!row)
    throw new FlowCommandError(
      "not_found",
      `no suite named ${name} is loaded`,
      "see `cloudburst suite show`",
    );
  await client.query("select 1 from flow_suite where id = $1 for update", [row.id]);
  return row;
}

/** The snapshot of the suite holding `path`, and the node (under the suite's lock). */
async function lockNode(
  client: pg.PoolClient,
  path: string,
): Promise<{ snapshot: SuiteSnapshot; node: Node }> {
  const parsed = parseNodePath(path);
  const row = await lockSuite(client, parsed.suiteName);
  const snapshot = await loadSnapshot(client, row);
  const node = snapshot.index.get(parsed.path);
  if (!node) throw new FlowCommandError("not_found", `suite ${row.name} has no node ${parsed.path}`);
  return { snapshot, node };
}

async function assertNothingRunning(client: pg.PoolClient, suiteId: string, path: string, what: string) {
  const running = await client.query<{ path: string; state: string }>(
    `select path, state from flow_node where suite_id = $1 and kind = 'task' and state in ('submitted', 'active')
       and (path = $2 or path like $3) limit 5`,
    [suiteId, path, `${path}/%`],
  );
  if (running.rows.length) {
    throw new FlowCommandError(
      "conflict",
      `cannot ${what} ${path}: ${running.rows.map((r) => `${r.path} is ${r.state}`).join(", ")}`,
      "kill those tasks first (`cloudburst suite kill PATH`), or pass --force",
    );
  }
}

/** The runtime of a begun (or requeued) subtree, as the flow logic defines it (defstatus, initial values). */
function resetSubtree(root: Node, now: Date): Array<{ node: Node; runtime: NodeRuntime }> {
  const runtime = beginRuntime(root, now);
  return [...walkNode(root)].map((node) => ({ node, runtime: runtime.nodes.get(node.path)! }));
}

/** `suite begin`: every node starts queued (or its defstatus); the scheduler takes it from there. */
export async function beginSuite(pool: Db, name: string, actor: string, force = false): Promise<void> {
  await inTransaction(pool, async (client) => {
    const row = await lockSuite(client, name);
    if (!force) await assertNothingRunning(client, row.id, `/${row.name}`, "begin");
    const { suite } = (await loadSnapshot(client, row)) as { suite: Suite };
    await writeNodes(client, row.id, resetSubtree(suite, new Date()));
    await client.query("update flow_suite set begun_at = now(), generation = generation + 1 where id = $1", [
      row.id,
    ]);
    await insertHistory(client, [
      { suiteId: row.id, path: suite.path, kind: "command", detail: "begin", actor },
    ]);
    await notifyChanged(client, row.id);
  });
}

/** `suite requeue PATH`: the node and everything under it back to queued, tries, events, meters and repeats reset. */
export async function requeueNode(pool: Db, path: string, actor: string, force = false): Promise<void> {
  await inTransaction(pool, async (client) => {
    const { snapshot, node } = await lockNode(client, path);
    if (!force) await assertNothingRunning(client, snapshot.id, node.path, "requeue");
    await writeNodes(client, snapshot.id, resetSubtree(node, new Date()));
    // A new generation: the job ids of the coming tries cannot collide with the earlier ones.
    await client.query("update flow_suite set generation = generation + 1 where id = $1", [snapshot.id]);
    await insertHistory(client, [
      {
        suiteId: snapshot.id,
        path: node.path,
        kind: "command",
        fromState: snapshot.runtime.nodes.get(node.path)?.state ?? null,
        toState: "queued",
        detail: "requeue",
        actor,
      },
    ]);
    await notifyChanged(client, snapshot.id);
  });
}

/** `suite rerun TASK`: submit the task again now, whatever its dependencies say (ecflow_client --run). */
export async function rerunTask(pool: Db, path: string, actor: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    const { snapshot, node } = await lockNode(client, path);
    if (node.kind !== "task")
      throw new FlowCommandError("bad_request", `${node.path} is a ${node.kind}, not a task`);
    const state = snapshot.runtime.nodes.get(node.path)?.state ?? "unknown";
    if (state === "submitted" || state === "active") {
      throw new FlowCommandError(
        "conflict",
        `${node.path} is ${state}`,
        "kill it first, or wait for it to end",
      );
    }
    await client.query(
      `update flow_node set state = 'queued', extra = (extra - 'flags') || '{"runNow": true}', aborted_reason = null,
         state_since = now() where suite_id = $1 and path = $2`,
      [snapshot.id, node.path],
    );
    await insertHistory(client, [
      {
        suiteId: snapshot.id,
        path: node.path,
        kind: "command",
        fromState: state,
        toState: "queued",
        detail: "rerun (dependencies ignored)",
        actor,
      },
    ]);
    await notifyChanged(client, snapshot.id);
  });
}

/** `suite suspend|resume PATH`: a suspended node (and all below it) submits nothing until resumed. */
export async function setSuspended(pool: Db, path: string, suspended: boolean, actor: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    const { snapshot, node } = await lockNode(client, path);
    await client.query("update flow_node set suspended = $3 where suite_id = $1 and path = $2", [
      snapshot.id,
      node.path,
      suspended,
    ]);
    await insertHistory(client, [
      {
        suiteId: snapshot.id,
        path: node.path,
        kind: "command",
        detail: suspended ? "suspend" : "resume",
        actor,
      },
    ]);
    await notifyChanged(client, snapshot.id);
  });
}

const forceableStates = ["unknown", "queued", "complete", "aborted"] as const;
export type ForceState = (typeof forceableStates)[number];
export function isForceState(value: string): value is ForceState {
  return (forceableStates as readonly string[]).includes(value);
}

/**
 * `suite force STATE PATH`: sets a task's state (on a family or suite: every task below). A task that was
 * running is stopped: its reports are refused from now on.
 */
export async function forceState(pool: Db, path: string, state: ForceState, actor: string): Promise<number> {
  return inTransaction(pool, async (client) => {
    const { snapshot, node } = await lockNode(client, path);
    const tasks = [...walkTasks(node)];
    const history = [];
    for (const task of tasks) {
      const current = snapshot.runtime.nodes.get(task.path);
      const extra = snapshot.tasks.get(task.path);
      if (current?.state === state) continue;
      if ((current?.state === "submitted" || current?.state === "active") && extra?.jobId) {
        await client.query("select pg_notify($1, $2)", [FLOW_KILL_CHANNEL, extra.jobId]);
      }
      await client.query(
        `update flow_node set state = $3, password = $4, state_since = now(),
           aborted_reason = case when $3 = 'aborted' then $5 else null end,
           extra = case when $3 = 'aborted' then extra || '{"flags": ["forced"]}' else extra - 'flags' - 'runNow' end
         where suite_id = $1 and path = $2`,
        [
          snapshot.id,
          task.path,
          state,
          randomBytes(9).toString("base64url"),
          `forced to aborted by ${actor}`,
        ],
      );
      history.push({
        suiteId: snapshot.id,
        path: task.path,
        kind: "state",
        fromState: current?.state ?? null,
        toState: state,
        tryNo: current?.tryNo ?? null,
        detail: `forced by ${actor}`,
        actor,
      });
    }
    await insertHistory(client, history);
    await notifyChanged(client, snapshot.id);
    return history.length;
  });
}

/** `suite kill PATH`: stops the running tasks at or under PATH; they end aborted and are not retried. */
export async function killNode(pool: Db, path: string, actor: string): Promise<string[]> {
  return inTransaction(pool, async (client) => {
    const { snapshot, node } = await lockNode(client, path);
    const killed: string[] = [];
    const history = [];
    for (const task of walkTasks(node)) {
      const current = snapshot.runtime.nodes.get(task.path);
      if (current?.state !== "submitted" && current?.state !== "active") continue;
      const extra = snapshot.tasks.get(task.path);
      await client.query(
        `update flow_node set state = 'aborted', password = $3, aborted_reason = $4, state_since = now(),
           extra = extra || '{"flags": ["killed"]}' where suite_id = $1 and path = $2`,
        [snapshot.id, task.path, randomBytes(9).toString("base64url"), `killed by ${actor}`],
      );
      if (extra?.jobId) await client.query("select pg_notify($1, $2)", [FLOW_KILL_CHANNEL, extra.jobId]);
      history.push({
        suiteId: snapshot.id,
        path: task.path,
        kind: "state",
        fromState: current.state,
        toState: "aborted",
        tryNo: current.tryNo ?? null,
        detail: `killed by ${actor}${extra?.worker ? ` (was running on ${extra.worker})` : ""}`,
        actor,
      });
      killed.push(task.path);
    }
    await insertHistory(client, history);
    await notifyChanged(client, snapshot.id);
    return killed;
  });
}

/** `suite alter`-like: sets a variable on a node at runtime (overrides the definition's). */
export async function setVariable(
  pool: Db,
  path: string,
  name: string,
  value: string,
  actor: string,
): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new FlowCommandError("bad_request", `"${name}" is not a variable name`);
  await inTransaction(pool, async (client) => {
    const { snapshot, node } = await lockNode(client, path);
    await client.query(
      "update flow_node set variables = variables || jsonb_build_object($3::text, $4::text) where suite_id = $1 and path = $2",
      [snapshot.id, node.path, name, value],
    );
    await insertHistory(client, [
      {
        suiteId: snapshot.id,
        path: node.path,
        kind: "variable",
        detail: `${name} = ${JSON.stringify(value)}`,
        actor,
      },
    ]);
    await notifyChanged(client, snapshot.id);
  });
}

function* walkTasks(node: Node): Generator<Node> {
  if (node.kind === "task") yield node;
  else for (const child of node.children) yield* walkTasks(child);
}

/** `suite free PATH`: ignore the node's trigger and/or time dependencies until it is requeued (ecflow_client --free-dep). */
export async function freeDependencies(
  pool: Db,
  path: string,
  which: { trigger: boolean; time: boolean },
  actor: string,
): Promise<void> {
  if (!which.trigger && !which.time)
    throw new FlowCommandError("bad_request", "say which dependencies to free: trigger, time or both");
  await inTransaction(pool, async (client) => {
    const { snapshot, node } = await lockNode(client, path);
    const freed = {
      ...(which.trigger ? { triggerFree: true } : {}),
      ...(which.time ? { timeFree: true } : {}),
    };
    await client.query("update flow_node set extra = extra || $3::jsonb where suite_id = $1 and path = $2", [
      snapshot.id,
      node.path,
      JSON.stringify(freed),
    ]);
    await insertHistory(client, [
      {
        suiteId: snapshot.id,
        path: node.path,
        kind: "command",
        detail: `freed its ${[which.trigger ? "trigger" : null, which.time ? "time dependencies" : null].filter(Boolean).join(" and ")}`,
        actor,
      },
    ]);
    await notifyChanged(client, snapshot.id);
  });
}
