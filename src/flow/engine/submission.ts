// What one submission of a task carries: its job (variables as the new try sees them, the queue, the
// action, heartbeat and timeout from the task's CB_* variables) and its deterministic job id. Pure: the
// engine decides, store.ts writes.
import { randomBytes } from "node:crypto";
import { isQueueName, taskJobId } from "../../queue/boss.ts";
import { allVariables } from "../logic/variables.ts";
import type { Task } from "../model/index.ts";
import type { TaskJobData } from "./job.ts";
import { eventKeys, type SuiteSnapshot } from "./snapshot.ts";
import type { SubmissionRow } from "./store.ts";

/** Default heartbeat (s) a job must keep up; its worker is presumed dead after this without one. */
export const DEFAULT_HEARTBEAT_SECONDS = 20;
/** Default expiry (s) of a job: a task that runs longer is failed. Set CB_TIMEOUT per task. */
export const DEFAULT_TIMEOUT_SECONDS = 6 * 3600;

/** A task the engine found ready, and why (for the history). */
export interface ReadyTask {
  task: Task;
  expectedState: string;
  detail: string;
  dataReady: boolean;
}

/** A submission decided: the row to write, the job to queue and its priority among the queue's jobs. */
export interface Submission {
  ready: ReadyTask;
  row: SubmissionRow;
  data: TaskJobData;
  priority: number;
}

/** Splits `CB_ACTION`'s value ("name arg1 arg2") into the action and its arguments. */
export function parseActionSpec(spec: string): { name: string; args: string[] } | null {
  const words = spec.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  return { name: words[0]!, args: words.slice(1) };
}

/** The next try of a ready task as a job; a string says why it cannot be submitted. */
export function prepareSubmission(snapshot: SuiteSnapshot, ready: ReadyTask, at: Date): Submission | string {
  const { task } = ready;
  const rt = snapshot.runtime.nodes.get(task.path)!;
  const extra = snapshot.tasks.get(task.path);
  const tryNo = (rt.tryNo ?? 0) + 1;
  const password = randomBytes(12).toString("base64url");
  // The variables as the new try sees them (ECF_TRYNO and the paths derived from it).
  snapshot.runtime.nodes.set(task.path, { ...rt, tryNo });
  const variables = allVariables(task, snapshot.runtime, at, snapshot.defs);
  snapshot.runtime.nodes.set(task.path, rt);
  variables["ECF_PASS"] = password;
  variables["ECF_TRYNO"] = String(tryNo);
  const queue = variables["CB_QUEUE"]?.trim() || "compute";
  if (!isQueueName(queue)) return `CB_QUEUE is "${queue}": it must be control, data or compute`;
  const action = variables["CB_ACTION"] ? parseActionSpec(variables["CB_ACTION"]) : null;
  const heartbeatSeconds = Math.max(10, Number(variables["CB_HEARTBEAT"]) || DEFAULT_HEARTBEAT_SECONDS);
  const expireSeconds = Math.max(
    heartbeatSeconds,
    Number(variables["CB_TIMEOUT"]) || DEFAULT_TIMEOUT_SECONDS,
  );
  const submission = (extra?.submissions ?? 0) + 1;
  const jobId = taskJobId(snapshot.id, snapshot.generation, task.path, submission);
  return {
    ready,
    row: {
      path: task.path,
      expectedState: ready.expectedState,
      expectedTry: rt.tryNo ?? 0,
      tryNo,
      submission,
      jobId,
      queue,
      password,
      dataReady: ready.dataReady,
    },
    data: {
      suiteId: snapshot.id,
      path: task.path,
      tryNo,
      password,
      queue,
      variables,
      events: eventKeys(task),
      meters: task.meters.map((m) => ({ name: m.name, min: m.min, max: m.max })),
      labels: task.labels.map((l) => l.name),
      heartbeatSeconds,
      expireSeconds,
      ...(action ? { action } : {}),
    },
    // Of the jobs waiting in one queue, those of a higher CB_PRIORITY are taken first, then the older.
    priority: Math.trunc(Number(variables["CB_PRIORITY"])) || 0,
  };
}
