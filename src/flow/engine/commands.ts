// Operator commands on the durable flow state (ecFlow's user commands): load, begin, requeue, rerun,
// suspend, resume, force, kill. Each is one transaction that records who did what in the history and
// wakes the scheduler; the CLI and the HTTP API both call these.

import { randomBytes } from "node:crypto";
import type pg from "pg";
import { recordAudit } from "../../db/audit.ts";
import { inTransaction } from "../../db/transaction.ts";
import { checkDefs, printDefs } from "../def/index.ts";
import { savedSuiteState } from "../logic/saved-state.ts";
import { beginRuntime } from "../logic/state.ts";
import { type Defs, type Node, type NodeRuntime, type Suite, walkNode } from "../model/index.ts";
import { definedRuntime, type SuiteRow, type SuiteSnapshot, snapshotOf, suiteNodes } from "./snapshot.ts";
import {
  deleteSuiteRow,
  findSuiteRow,
  insertHistory,
  insertSuite,
  lockSuiteRow,
  mergeNodeExtra,
  nextGeneration,
  nodeRows,
  notifyChanged,
  notifyKill,
  queueToRunNow,
  replaceSuiteDefinition,
  runningTasksUnder,
  type Db as StoreDb,
  saveJobEdit,
  setNodeSuspended,
  setNodeVariable,
  setTaskStateByOperator,
  writeNodes,
  writeSavedState,
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

/** A suite's model and the runtime of every node, as the database has them now. */
export async function loadSnapshot(db: StoreDb, row: SuiteRow): Promise<SuiteSnapshot> {
  return snapshotOf(row, await nodeRows(db, row.id));
}

/** Node rows for `writeNodes`: a node and its runtime. */
function nodeWrites(nodes: ReadonlyArray<{ node: Node; runtime: NodeRuntime }>) {
  return nodes.map(({ node, runtime }) => ({ path: node.path, kind: node.kind, runtime }));
}

/** Why the nodes of a saved state aborted (writeNodes leaves abort reasons out). */
function abortedReasons(nodes: ReadonlyArray<{ node: Node; runtime: NodeRuntime }>) {
  return nodes.flatMap(({ node, runtime }) =>
    runtime.abortedReason ? [{ path: node.path, reason: runtime.abortedReason }] : [],
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
        await replaceSuiteDefinition(client, existing.id, { text, file, actor: options.actor });
      }
      const id =
        existing?.id ?? (await insertSuite(client, { name: suite.name, text, file, actor: options.actor }));
      const state = saved?.[i];
      const nodes = suiteNodes(suite).map((node) => ({
        node,
        runtime: state?.runtime.nodes.get(node.path) ?? definedRuntime(node, "unknown"),
      }));
      await writeNodes(client, id, nodeWrites(nodes));
      if (state)
        await writeSavedState(client, id, { begun: state.begun, abortedReasons: abortedReasons(nodes) });
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
    await deleteSuiteRow(client, row.id);
    await recordAudit(client, { actor, action: "suite.delete", subject: row.name });
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
  await lockSuiteRow(client, row.id);
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
  const running = await runningTasksUnder(client, suiteId, path);
  if (running.length) {
    throw new FlowCommandError(
      "conflict",
      `cannot ${what} ${path}: ${running.map((r) => `${r.path} is ${r.state}`).join(", ")}`,
      "kill those tasks first (`cloudburst suite kill PATH`), or pass --force",
    );
  }
}

/** The runtime of a begun (or requeued) subtree, as the flow logic defines it (defstatus, initial values). */
function resetSubtree(root: Node, now: Date): Array<{ path: string; kind: string; runtime: NodeRuntime }> {
  const runtime = beginRuntime(root, now);
  return nodeWrites([...walkNode(root)].map((node) => ({ node, runtime: runtime.nodes.get(node.path)! })));
}

/** `suite begin`: every node starts queued (or its defstatus); the scheduler takes it from there. */
export async function beginSuite(pool: Db, name: string, actor: string, force = false): Promise<void> {
  await inTransaction(pool, async (client) => {
    const row = await lockSuite(client, name);
    if (!force) await assertNothingRunning(client, row.id, `/${row.name}`, "begin");
    const { suite } = (await loadSnapshot(client, row)) as { suite: Suite };
    await writeNodes(client, row.id, resetSubtree(suite, new Date()));
    await nextGeneration(client, row.id, true);
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
    await nextGeneration(client, snapshot.id, false);
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
  await runNow(pool, path, actor, "rerun (dependencies ignored)");
}

/**
 * Edit & submit (ecflow_client --edit_script TASK submit): run the task now, whatever its dependencies
 * say, once, with the job text the operator edited instead of its pre-processed script.
 */
export async function submitEditedJob(pool: Db, path: string, text: string, actor: string): Promise<void> {
  await runNow(
    pool,
    path,
    actor,
    "edit & submit (the job as edited, for this run)",
    (client, suiteId, task) => saveJobEdit(client, suiteId, task, text, actor),
  );
}

/** Queues a task that is not running to be submitted at once; `before` runs first, in the same transaction. */
async function runNow(
  pool: Db,
  path: string,
  actor: string,
  detail: string,
  before?: (client: pg.PoolClient, suiteId: string, task: string) => Promise<void>,
): Promise<void> {
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
    await before?.(client, snapshot.id, node.path);
    await queueToRunNow(client, snapshot.id, node.path);
    await insertHistory(client, [
      {
        suiteId: snapshot.id,
        path: node.path,
        kind: "command",
        fromState: state,
        toState: "queued",
        detail,
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
    await setNodeSuspended(client, snapshot.id, node.path, suspended);
    await insertHistory(client, [
      {
        suiteId: snapshot.id,
        path: node.path,
        kind: "command",
        detail: suspended ? "suspend" : "resume",
        actor,
      },
    ]);
    // Only the node's own row changed: the engine (and the web UI) reload that row, not the suite.
    await notifyChanged(client, snapshot.id, node.path);
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
      if ((current?.state === "submitted" || current?.state === "active") && extra?.jobId)
        await notifyKill(client, extra.jobId);
      await setTaskStateByOperator(client, snapshot.id, {
        path: task.path,
        state,
        password: randomBytes(9).toString("base64url"),
        reason: `forced to aborted by ${actor}`,
        flag: "forced",
      });
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
      await setTaskStateByOperator(client, snapshot.id, {
        path: task.path,
        state: "aborted",
        password: randomBytes(9).toString("base64url"),
        reason: `killed by ${actor}`,
        flag: "killed",
      });
      if (extra?.jobId) await notifyKill(client, extra.jobId);
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
    await setNodeVariable(client, snapshot.id, node.path, { name, value });
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
    await mergeNodeExtra(client, snapshot.id, node.path, freed);
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
