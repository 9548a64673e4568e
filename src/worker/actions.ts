// Built-in actions: named pieces of TypeScript a task can run instead of a shell script
// (`edit CB_ACTION "name arg..."`). A process's composition root (src/app/) lists the actions it runs.
import { setTimeout as sleep } from "node:timers/promises";
import type { ChildEvent, TaskJobData } from "../flow/engine/job.ts";
import type { QueueName } from "../queue/boss.ts";

export interface ActionContext {
  args: string[];
  /** Every variable visible to the task. */
  variables: Record<string, string>;
  /** The task's events, meters and labels (what `report` accepts). */
  task: Pick<TaskJobData, "events" | "meters" | "labels">;
  /** Aborted when the task is killed or the worker stops. */
  signal: AbortSignal;
  /** A line for the task's output log. */
  log(line: string): void;
  /** Reports an event, meter or label (checked against the task's attributes). */
  report(event: Extract<ChildEvent, { type: "event" | "meter" | "label" }>): Promise<void>;
}

export interface Action {
  name: string;
  description: string;
  /** The queue its tasks are sent to (CB_QUEUE), where workers prepare it. */
  queue?: QueueName;
  /**
   * Loads what the action needs (its code, its connections), so that its first job starts at once:
   * a worker of its queue runs it before it says it is ready, since a node is billed from its boot
   * either way but the data waits for a job that is still loading.
   */
  prepare?(): Promise<void>;
  /** Resolves when the task is complete; throws (with a message for the history) when it aborts. */
  run(context: ActionContext): Promise<void>;
}

/** The actions one process knows, built by its composition root (src/app/) and handed to its workers. */
export class ActionRegistry {
  readonly #actions = new Map<string, Action>();

  constructor(actions: readonly Action[] = []) {
    for (const action of actions) this.add(action);
  }

  add(action: Action): this {
    if (!/^[a-z][a-z0-9_.-]*$/.test(action.name)) throw new Error(`invalid action name "${action.name}"`);
    this.#actions.set(action.name, action);
    return this;
  }

  find(name: string): Action | undefined {
    return this.#actions.get(name);
  }

  list(): Action[] {
    return [...this.#actions.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Prepares the actions of `queues`; a failure is reported, not thrown: the job will say it again. */
  async prepare(queues: readonly QueueName[], log: (line: string) => void): Promise<void> {
    const actions = this.list().filter((a) => a.prepare && a.queue && queues.includes(a.queue));
    await Promise.all(
      actions.map((a) =>
        a.prepare!().catch((error: Error) => log(`could not prepare action ${a.name}: ${error.message}`)),
      ),
    );
  }
}

/** The actions every worker knows: for tests, drills and suites that only play their part. */
export const builtinActions: readonly Action[] = [
  {
    name: "noop",
    description: "does nothing and completes",
    async run() {},
  },
  {
    name: "sleep",
    description: "sleeps SECONDS (first argument, or the variable SLEEP), then completes",
    async run({ args, variables, signal, log }) {
      const seconds = Number(args[0] ?? variables["SLEEP"] ?? "1");
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new Error(`sleep: "${args[0]}" is not a number of seconds`);
      log(`sleeping ${seconds} s`);
      await sleep(seconds * 1000, undefined, { signal });
    },
  },
  {
    name: "fail",
    description:
      "aborts with its arguments as the reason, while ECF_TRYNO is below the variable FAIL_UNTIL_TRY (default: always)",
    async run({ args, variables }) {
      const until = Number(variables["FAIL_UNTIL_TRY"] ?? Number.POSITIVE_INFINITY);
      if (Number(variables["ECF_TRYNO"] ?? 1) >= until) return;
      throw new Error(args.join(" ") || "failed on purpose");
    },
  },
  {
    name: "simulate",
    description:
      "plays the task's part in a suite without doing its work: sets each event, runs each meter up to its maximum, then completes",
    async run({ task, report, log }) {
      for (const meter of task.meters) {
        await report({ type: "meter", name: meter.name, value: meter.max });
        log(`meter ${meter.name} = ${meter.max}`);
      }
      for (const event of task.events) {
        await report({ type: "event", name: event });
        log(`event ${event} set`);
      }
    },
  },
];
