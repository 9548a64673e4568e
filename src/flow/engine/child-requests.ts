// The child commands that ask rather than tell (ecflow_client --wait and --queue), answered from the
// durable state for the task's current try only (a zombie gets a refusal, as for the other reports).
// --wait evaluates an expression as if written on the task; --queue hands out the steps of a `queue`
// attribute on the task or an ancestor, one at a time, in a transaction on the node that holds it.
import type pg from "pg";
import { inTransaction } from "../../db/transaction.ts";
import { FlowDefinitionError } from "../logic/diagnostics.ts";
import { evaluate } from "../logic/evaluate.ts";
import { parseExpression } from "../logic/expr-parser.ts";
import { resolveNodePath } from "../logic/paths.ts";
import { validateExpression } from "../logic/validate.ts";
import type { Node, QueueAttr } from "../model/index.ts";
import type { ChildEventResult } from "./child-events.ts";
import { loadSnapshot } from "./commands.ts";
import type { ChildIdentity, ChildQuery } from "./job.ts";
import type { SuiteSnapshot } from "./snapshot.ts";
import {
  findSuiteRow,
  insertHistory,
  lockQueuePosition,
  notifyChanged,
  type QueuePosition,
  saveQueuePosition,
} from "./store.ts";

type QueueRequest = Extract<ChildQuery, { type: "queue" }>;

function refuse(message: string): ChildEventResult {
  return { accepted: false, message };
}

/** The suite's snapshot if `id` is the task's current try, else why not. */
async function currentTry(pool: pg.Pool, id: ChildIdentity): Promise<SuiteSnapshot | string> {
  const row = await findSuiteRow(pool, id.suiteId);
  if (!row) return `no suite ${id.suiteId}`;
  const snapshot = await loadSnapshot(pool, row);
  const task = snapshot.index.get(id.path);
  const rt = snapshot.runtime.nodes.get(id.path);
  const extra = snapshot.tasks.get(id.path);
  if (task?.kind !== "task" || !rt || !extra) return `no task ${id.path} in suite ${row.name}`;
  if (rt.tryNo !== id.tryNo || extra.password !== id.password)
    return `zombie: ${id.path} try ${id.tryNo} is not the task's current try (${rt.tryNo}); the request was ignored`;
  if (rt.state !== "active" && rt.state !== "submitted")
    return `zombie: ${id.path} is ${rt.state}, not running`;
  return snapshot;
}

function wait(snapshot: SuiteSnapshot, task: Node, expression: string): ChildEventResult {
  try {
    const ast = parseExpression(expression, { file: "--wait", line: 1, col: 1 });
    const problems = validateExpression(snapshot.defs, task, ast);
    if (problems.length) return refuse(problems.join("; "));
    const holds =
      evaluate(ast, task, { defs: snapshot.defs, runtime: snapshot.runtime, now: new Date() }) !== 0;
    return {
      accepted: true,
      message: holds ? "holds" : "does not hold yet",
      value: holds ? "true" : "false",
    };
  } catch (error) {
    if (error instanceof FlowDefinitionError) return refuse(`--wait: ${error.message}`);
    throw error;
  }
}

/** The node holding queue `name`: at `path`, else the task or its nearest ancestor. */
function queueHolder(
  snapshot: SuiteSnapshot,
  task: Node,
  name: string,
  path?: string,
): { node: Node; queue: QueueAttr } | undefined {
  const start = path ? resolveNodePath(snapshot.defs, task, path) : task;
  for (let n = start; n; n = path ? undefined : n.parent) {
    const queue = n.queues.find((q) => q.name === name);
    if (queue) return { node: n, queue };
  }
  return undefined;
}

/** ecFlow's QueueAttr actions on the saved position and step states. */
function step(
  queue: QueueAttr,
  saved: QueuePosition,
  event: QueueRequest,
): { value: string; changed: boolean } | string {
  const at = (s: string | undefined): number => queue.steps.indexOf(s ?? "");
  switch (event.action) {
    case "active": {
      if (saved.index >= queue.steps.length) return { value: "<NULL>", changed: false };
      saved.states[saved.index] = "active";
      return { value: queue.steps[saved.index++] as string, changed: true };
    }
    case "complete":
    case "aborted": {
      const i = at(event.step);
      if (i < 0) return `queue ${queue.name} has no step '${event.step ?? ""}'`;
      saved.states[i] = event.action;
      return { value: "", changed: true };
    }
    case "no_of_aborted": {
      const n = saved.states.filter((s) => s === "aborted").length;
      return { value: n ? String(n) : "", changed: false };
    }
    case "reset": {
      const i = saved.states.findIndex((s) => s === "queued" || s === "aborted");
      if (i >= 0) saved.index = i;
      return { value: "", changed: i >= 0 };
    }
  }
}

async function queue(
  pool: pg.Pool,
  snapshot: SuiteSnapshot,
  task: Node,
  event: QueueRequest,
  actor: string,
): Promise<ChildEventResult> {
  const holder = queueHolder(snapshot, task, event.name, event.path);
  if (!holder) return refuse(`no queue '${event.name}' on ${event.path ?? `${task.path} or above it`}`);
  return inTransaction(pool, async (client) => {
    const saved = (await lockQueuePosition(client, snapshot.id, holder.node.path, event.name)) ?? {
      index: 0,
      states: holder.queue.steps.map(() => "queued"),
    };
    const result = step(holder.queue, saved, event);
    if (typeof result === "string") return refuse(result);
    if (result.changed) {
      await saveQueuePosition(client, snapshot.id, holder.node.path, { name: event.name, position: saved });
      const detail = `queue ${event.name} ${event.action}${event.step ? ` ${event.step}` : ""}${result.value ? ` -> ${result.value}` : ""}`;
      await insertHistory(client, [{ suiteId: snapshot.id, path: task.path, kind: "queue", detail, actor }]);
      await notifyChanged(client, snapshot.id, holder.node.path);
    }
    return { accepted: true, message: "ok", value: result.value };
  });
}

/** Answers --wait and --queue for the task's current try. */
export async function applyChildRequest(
  pool: pg.Pool,
  id: ChildIdentity,
  event: ChildQuery,
  actor: string,
): Promise<ChildEventResult> {
  const snapshot = await currentTry(pool, id);
  if (typeof snapshot === "string") return refuse(snapshot);
  const task = snapshot.index.get(id.path) as Node;
  return event.type === "wait"
    ? wait(snapshot, task, event.expression)
    : queue(pool, snapshot, task, event, actor);
}
