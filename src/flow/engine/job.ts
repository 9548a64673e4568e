// The contract between the flow engine and whoever runs a task (a worker agent, or the control
// server for the `control` queue): what one pg-boss job carries.
import type { QueueName } from "../../queue/boss.ts";

/** Channel the engine notifies (payload: queue name) when it submits jobs, so idle workers fetch at once. */
export const FLOW_JOBS_CHANNEL = "flow_jobs";
/** Channel an operator's kill is announced on (payload: the job id); workers stop that job. */
export const FLOW_KILL_CHANNEL = "flow_kill";

/** One try of one task, as submitted to a queue. */
export interface TaskJobData {
  /** flow_suite.id as a string (bigint). */
  suiteId: string;
  /** Absolute node path, e.g. /cycle_00/start/provision (= ECF_NAME). */
  path: string;
  /** ECF_TRYNO: 1 for the first try. */
  tryNo: number;
  /** ECF_PASS of this try: child events must present it. */
  password: string;
  queue: QueueName;
  /** Built-in action to run (`CB_ACTION` = "name arg..."); absent: run the task's .ecf script. */
  action?: { name: string; args: string[] };
  /** Every variable visible to the task (user, repeat, generated), inherited and resolved. */
  variables: Record<string, string>;
  /** The task's events, meters and labels, so that child events can be checked before they are sent. */
  events: string[];
  meters: Array<{ name: string; min: number; max: number }>;
  labels: string[];
  heartbeatSeconds: number;
  expireSeconds: number;
  /** The job as an operator edited it for this one run (edit & submit): run as it is, not pre-processed. */
  jobText?: string;
}

/** What a child (script or action) reports about its task; ecFlow's child commands. */
export type ChildEvent =
  | { type: "init"; worker?: string }
  | { type: "event"; name: string; value?: boolean }
  | { type: "meter"; name: string; value: number }
  | { type: "label"; name: string; value: string }
  | { type: "complete" }
  | { type: "abort"; reason?: string }
  /** ecflow_client --wait: does the expression (written as on the task) hold now? */
  | { type: "wait"; expression: string }
  /** ecflow_client --queue: take, finish or count the steps of a `queue` on the task or above it. */
  | { type: "queue"; name: string; action: QueueAction; step?: string; path?: string };

export type QueueAction = "active" | "complete" | "aborted" | "no_of_aborted" | "reset";

/** The reports that change a task's state or attributes (wait and queue ask; child-requests.ts answers). */
export type StateEvent = Exclude<ChildEvent, { type: "wait" | "queue" }>;

/** The reports that ask (ecflow_client --wait and --queue). */
export type ChildQuery = Extract<ChildEvent, { type: "wait" | "queue" }>;

/** Identifies the try a child event belongs to. */
export interface ChildIdentity {
  suiteId: string;
  path: string;
  tryNo: number;
  password: string;
}

/** Checks a child event against the task's attributes; returns an error message or null. */
export function checkChildEvent(
  job: Pick<TaskJobData, "events" | "meters" | "labels">,
  event: ChildEvent,
): string | null {
  switch (event.type) {
    case "event":
      return job.events.includes(event.name)
        ? null
        : `the task has no event "${event.name}" (it has: ${job.events.join(", ") || "none"})`;
    case "meter": {
      const meter = job.meters.find((m) => m.name === event.name);
      if (!meter)
        return `the task has no meter "${event.name}" (it has: ${job.meters.map((m) => m.name).join(", ") || "none"})`;
      if (!Number.isInteger(event.value) || event.value < meter.min || event.value > meter.max)
        return `meter ${event.name} takes an integer from ${meter.min} to ${meter.max}, not ${event.value}`;
      return null;
    }
    case "label":
      return job.labels.includes(event.name)
        ? null
        : `the task has no label "${event.name}" (it has: ${job.labels.join(", ") || "none"})`;
    default:
      return null;
  }
}
