// Read-only views of the flow state for operators: suites, node trees with states, history, output,
// `why`, and the tasks aborted for good. Shared by the CLI, the HTTP API and the alert watch.
import type pg from "pg";
import { limitUsage } from "../logic/limits.ts";
import { maxTries } from "../logic/schedule.ts";
import { allVariables } from "../logic/variables.ts";
import type { Node, Task } from "../model/index.ts";
import { FlowCommandError, loadSnapshot, parseNodePath } from "./commands.ts";
import {
  checkDataCondition,
  type DataTriggerSource,
  parseWaitFor,
  WAIT_FOR_VARIABLE,
} from "./data-trigger.ts";
import { type InlineAttribute, inlineAttributes } from "./inline-attributes.ts";
import { defaultLogic } from "./logic.ts";
import type { SchedulingLogic } from "./logic-port.ts";
import { type SuiteSnapshot, suiteNodes } from "./snapshot.ts";
import {
  abortedTasksSince,
  findSuiteRow,
  historyUnder,
  lastCompletedTries,
  latestSuitesNamed,
  listSuiteRows,
  outputLines,
  recentRunSeconds,
  runTransitionsSince,
  suitesBegunSince,
  type TaskRunRow,
  type TaskStatusRow,
  taskJob,
  taskStatuses,
} from "./store.ts";

export interface SuiteSummary {
  id: string;
  name: string;
  state: string;
  loadedAt: string;
  begunAt: string | null;
  tasks: number;
  sourceFile: string | null;
}

export interface NodeView {
  path: string;
  kind: string;
  depth: number;
  state: string;
  suspended: boolean;
  tryNo: number | null;
  worker: string | null;
  since: string | null;
  abortedReason: string | null;
  events: Record<string, boolean>;
  meters: Record<string, number>;
  labels: Record<string, string>;
  repeat: string | null;
  /** The node's attributes with their values, in the order ecflow_ui draws them on its line. */
  inline: InlineAttribute[];
}

export async function listSuites(
  pool: pg.Pool,
  logic: SchedulingLogic = defaultLogic,
): Promise<SuiteSummary[]> {
  const out: SuiteSummary[] = [];
  for (const row of await listSuiteRows(pool)) {
    const snapshot = await loadSnapshot(pool, row);
    out.push({
      id: row.id,
      name: row.name,
      state: logic.displayState(snapshot.defs, snapshot.runtime, snapshot.suite.path),
      loadedAt: row.loaded_at.toISOString(),
      begunAt: row.begun_at?.toISOString() ?? null,
      tasks: suiteNodes(snapshot.suite).filter((n) => n.kind === "task").length,
      sourceFile: row.source_file,
    });
  }
  return out;
}

async function snapshotFor(pool: pg.Pool, path: string): Promise<{ snapshot: SuiteSnapshot; node: Node }> {
  const parsed = parseNodePath(path);
  const row = await findSuiteRow(pool, parsed.suiteName);
  if (!row)
    throw new FlowCommandError(
      "not_found",
      `no suite named ${parsed.suiteName} is loaded`,
      "see `cloudburst suite show`",
    );
  const snapshot = await loadSnapshot(pool, row);
  const node = snapshot.index.get(parsed.path);
  if (!node) throw new FlowCommandError("not_found", `suite ${row.name} has no node ${parsed.path}`);
  return { snapshot, node };
}

/** The node and everything below it, in definition order, with states as ecFlow shows them. */
export async function showTree(
  pool: pg.Pool,
  path: string,
  logic: SchedulingLogic = defaultLogic,
): Promise<NodeView[]> {
  const { snapshot, node } = await snapshotFor(pool, path);
  return nodeViews(snapshot, node, (n) => n.path === node.path || n.path.startsWith(`${node.path}/`), logic);
}

/**
 * At most this many changed paths in one `showChanged`, so that they fit in a URL (past it, a client asks
 * for the whole suite).
 */
export const CHANGED_PATHS_MAX = 100;

/**
 * What a change at `paths` of the suite may have redrawn: each of those nodes, its ancestors (their state
 * follows their children's) and every node holding a limit (its tokens in use), in definition order with
 * depths from the suite, as `showTree` of the suite shows them. A path the suite no longer has is left
 * out: the caller sees it missing and asks for the whole suite.
 */
export async function showChanged(
  pool: pg.Pool,
  suitePath: string,
  paths: readonly string[],
  logic: SchedulingLogic = defaultLogic,
): Promise<NodeView[]> {
  const { snapshot, node } = await snapshotFor(pool, suitePath);
  if (node.kind !== "suite")
    throw new FlowCommandError("bad_request", `${node.path} is a ${node.kind}; give the suite's path`);
  const wanted = new Set<string>();
  for (const path of paths)
    for (let p = path; p.length > 1; p = p.slice(0, p.lastIndexOf("/"))) wanted.add(p);
  return nodeViews(snapshot, node, (n) => wanted.has(n.path) || n.limits.length > 0, logic);
}

/** The views of the nodes under (and at) `top` that `included` takes, in definition order. */
function nodeViews(
  snapshot: SuiteSnapshot,
  top: Node,
  included: (node: Node) => boolean,
  logic: SchedulingLogic,
): NodeView[] {
  const baseDepth = top.path.split("/").length;
  const views: NodeView[] = [];
  const usage = limitUsage(snapshot.defs, snapshot.runtime);
  for (const n of suiteNodes(snapshot.suite)) {
    if (!included(n)) continue;
    const rt = snapshot.runtime.nodes.get(n.path);
    const extra = snapshot.tasks.get(n.path);
    const repeat =
      n.repeat && n.repeat.kind !== "day"
        ? `${n.repeat.name} position ${rt?.repeatIndex ?? 0}`
        : n.repeat
          ? "day"
          : null;
    views.push({
      path: n.path,
      kind: n.kind,
      depth: n.path.split("/").length - baseDepth,
      state: logic.displayState(snapshot.defs, snapshot.runtime, n.path),
      suspended: rt?.suspended === true,
      tryNo: n.kind === "task" ? (rt?.tryNo ?? 0) : null,
      worker: extra?.worker ?? null,
      since: rt?.stateSince ?? null,
      abortedReason: rt?.abortedReason ?? null,
      events: rt?.events ?? {},
      meters: rt?.meters ?? {},
      labels: rt?.labels ?? {},
      repeat,
      inline: inlineAttributes(n, rt, usage),
    });
  }
  return views;
}

export interface HistoryEntry {
  at: string;
  path: string;
  kind: string;
  fromState: string | null;
  toState: string | null;
  tryNo: number | null;
  detail: string | null;
  actor: string;
}

/** What happened at or under `path`, oldest first (the last `limit` entries). */
export async function nodeHistory(pool: pg.Pool, path: string, limit = 200): Promise<HistoryEntry[]> {
  const { snapshot, node } = await snapshotFor(pool, path);
  const rows = await historyUnder(pool, snapshot.id, node.path, limit);
  return rows.map((r) => ({
    at: r.at.toISOString(),
    path: r.path,
    kind: r.kind,
    fromState: r.from_state,
    toState: r.to_state,
    tryNo: r.try_no,
    detail: r.detail,
    actor: r.actor,
  }));
}

/** A task's output log for one try (default: the latest). */
export async function taskOutput(
  pool: pg.Pool,
  path: string,
  tryNo?: number,
): Promise<{ tryNo: number; lines: Array<{ at: string; stream: string; line: string }> }> {
  const { snapshot, node } = await snapshotFor(pool, path);
  if (node.kind !== "task")
    throw new FlowCommandError("bad_request", `${node.path} is a ${node.kind}; output belongs to tasks`);
  const chosen = tryNo ?? snapshot.runtime.nodes.get(node.path)?.tryNo ?? 0;
  const rows = await outputLines(pool, snapshot.id, node.path, chosen);
  return {
    tryNo: chosen,
    lines: rows.map((r) => ({ at: r.at.toISOString(), stream: r.stream, line: r.line })),
  };
}

/** In words, why the node is not running: triggers, limits, times, parents, suspension, data. */
export async function whyNode(
  pool: pg.Pool,
  path: string,
  dataSources: readonly DataTriggerSource[] = [],
  logic: SchedulingLogic = defaultLogic,
  now = new Date(),
): Promise<string[]> {
  const { snapshot, node } = await snapshotFor(pool, path);
  const reasons = logic.why(snapshot.defs, snapshot.runtime, node.path, now);
  if (node.kind === "task" && snapshot.runtime.nodes.get(node.path)?.state === "queued") {
    const variables = allVariables(node, snapshot.runtime, now, snapshot.defs);
    const condition = parseWaitFor(variables[WAIT_FOR_VARIABLE], variables, node.path);
    if (condition && !snapshot.tasks.get(node.path)?.dataReadyAt) {
      const status = await checkDataCondition(condition, dataSources, pool);
      if (!status.satisfied)
        reasons.push(`it waits for data (${condition.source}: ${condition.query}): ${status.detail}`);
    }
  }
  if (reasons.length === 0) {
    const state = logic.displayState(snapshot.defs, snapshot.runtime, node.path);
    reasons.push(
      state === "queued"
        ? `${node.path} is free to run: the scheduler submits it on its next pass (is the control server running?)`
        : `${node.path} is ${state}`,
    );
  }
  return reasons;
}

/** A task that aborted and will not be tried again by the engine: an operator must act. */
export interface FinalAbort {
  suiteId: string;
  suite: string;
  path: string;
  /** The try that aborted, and ECF_TRIES; `tryNo < tries` when the engine refused to submit it. */
  tryNo: number;
  tries: number;
  /** Submissions of the task ever: with the suite id, names this abort among all of the task's. */
  submissions: number;
  /** Why, as the flow history recorded it. */
  reason: string;
  at: Date;
  /** Who aborted it: the job (`child`), the engine (dead worker, timeout, bad CB_QUEUE). */
  actor: string;
  worker: string | null;
}

/**
 * Tasks aborted for good since `since`: on their last try (ECF_TRYNO = ECF_TRIES), or aborted by the
 * engine without a retry (it could not submit them). Tasks an operator killed or forced to aborted are
 * not in the list: the operator knows. `skip` leaves out tasks the caller has dealt with before their
 * suite's definition is read.
 */
export async function tasksAbortedForGood(
  pool: pg.Pool,
  options: {
    since?: Date;
    now?: Date;
    skip?: (suiteId: string, path: string, submissions: number) => boolean;
  } = {},
): Promise<FinalAbort[]> {
  const rows = await abortedTasksSince(pool, options.since ?? new Date(0));
  const candidates = rows.filter((r) => {
    const flags = Array.isArray(r.flags) ? r.flags : [];
    if (flags.includes("killed")) return false;
    if (flags.includes("forced") && r.actor !== "engine") return false;
    return !options.skip?.(r.suite_id, r.path, r.submissions);
  });
  const out: FinalAbort[] = [];
  const snapshots = new Map<string, SuiteSnapshot | null>();
  const now = options.now ?? new Date();
  for (const r of candidates) {
    if (!snapshots.has(r.suite_id)) {
      const row = await findSuiteRow(pool, r.suite_id);
      snapshots.set(r.suite_id, row ? await loadSnapshot(pool, row).catch(() => null) : null);
    }
    const snapshot = snapshots.get(r.suite_id);
    const node = snapshot?.index.get(r.path);
    if (!snapshot || node?.kind !== "task") continue;
    const tries = maxTries(snapshot.defs, node as Task, snapshot.runtime, now);
    const flags = Array.isArray(r.flags) ? r.flags : [];
    // The engine retries an aborted task below ECF_TRIES, unless it forced it (it could not submit it).
    if (r.try_no < tries && !flags.includes("forced")) continue;
    out.push({
      suiteId: r.suite_id,
      suite: snapshot.name,
      path: r.path,
      tryNo: r.try_no,
      tries,
      submissions: r.submissions,
      reason: r.detail ?? r.aborted_reason ?? "aborted",
      at: r.at ?? r.state_since,
      actor: r.actor ?? "engine",
      worker: r.worker,
    });
  }
  return out;
}

/** Whether `jobId` is the job the task runs as now (it is submitted or active): a worker keeps only that. */
export async function isCurrentJob(
  pool: pg.Pool,
  suiteId: string,
  path: string,
  jobId: string,
): Promise<boolean> {
  const job = await taskJob(pool, suiteId, path);
  return !!job && job.jobId === jobId && (job.state === "submitted" || job.state === "active");
}

/** A suite's id by name, or null when it is not loaded. */
export async function findSuiteId(pool: pg.Pool, name: string): Promise<string | null> {
  return (await findSuiteRow(pool, name))?.id ?? null;
}

export type { TaskStatusRow };

/** The tasks under `path` (its own path excluded) of a suite, with their states and data readiness. */
export async function tasksUnder(pool: pg.Pool, suiteId: string, path: string): Promise<TaskStatusRow[]> {
  return taskStatuses(pool, suiteId, `${escapeLike(path)}/%`);
}

/** Run seconds of the latest `limit` tasks finished under `path` of a suite, with their paths. */
export async function recentRunTimes(
  pool: pg.Pool,
  suiteId: string,
  path: string,
  limit = 20,
): Promise<Array<{ path: string; seconds: number }>> {
  return recentRunSeconds(pool, suiteId, `${escapeLike(path)}/%`, limit);
}

/** Suites begun since `since`: id and name. */
export async function begunSuites(pool: pg.Pool, since: Date): Promise<Array<{ id: string; name: string }>> {
  return suitesBegunSince(pool, since);
}

/** The suites whose name matches the regular expression `pattern`, the latest begun first. */
export async function latestSuites(
  pool: pg.Pool,
  pattern: string,
  limit: number,
): Promise<Array<{ id: string; name: string }>> {
  return latestSuitesNamed(pool, pattern, limit);
}

export type { TaskRunRow };

/** The tasks under `path` of a suite, each with its last completed try (start, end, worker). */
export async function lastRunsUnder(pool: pg.Pool, suiteId: string, path: string): Promise<TaskRunRow[]> {
  return lastCompletedTries(pool, suiteId, `${escapeLike(path)}/%`);
}

/** Task runs (active to complete or aborted) since `since`, in the order they ended. */
export async function taskRunsSince(
  pool: pg.Pool,
  since: Date,
  limit = 20_000,
): Promise<Array<{ path: string; start: Date; end: Date; state: string }>> {
  const open = new Map<string, Date>();
  const runs: Array<{ path: string; start: Date; end: Date; state: string }> = [];
  for (const row of await runTransitionsSince(pool, since, limit)) {
    const started = open.get(row.path);
    if (row.to_state === "active") open.set(row.path, row.at);
    else if (started) {
      runs.push({ path: row.path, start: started, end: row.at, state: row.to_state });
      open.delete(row.path);
    }
  }
  return runs;
}

/** A LIKE pattern that matches `text` literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
