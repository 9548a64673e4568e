// `cloudburst child init|event|meter|label|complete|abort|wait|queue`: what a task's script tells (or
// asks) the flow engine — ecflow_client's child commands. The worker running the script sets
// CLOUDBURST_CHILD_SOCKET, CLOUDBURST_SUITE_ID, ECF_NAME, ECF_PASS and ECF_TRYNO; without the socket,
// DATABASE_URL is used.
import type { Command } from "commander";
import type { ChildEventResult } from "../../flow/engine/child-events.ts";
import type { ChildEvent, QueueAction } from "../../flow/engine/job.ts";
import { identityFromEnvironment, reportToWorker, waitUntilHolds } from "../../worker/child-client.ts";
import { UsageError, UserError } from "../errors.ts";

async function viaDatabase(url: string, event: ChildEvent): Promise<ChildEventResult> {
  const [{ default: pg }, { applyChildEvent }] = await Promise.all([
    import("pg"),
    import("../../flow/engine/child-events.ts"),
  ]);
  const identity = identityFromEnvironment(process.env);
  if (typeof identity === "string") throw new Error(identity);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const result = await applyChildEvent(pool, identity, event);
    if (!result.accepted) throw new Error(`${identity.path}: ${result.message}`);
    return result;
  } finally {
    await pool.end();
  }
}

/** Sends the event for this script's task (to its worker, else to DATABASE_URL); what the engine answered. */
async function sendChildEvent(event: ChildEvent): Promise<ChildEventResult> {
  const url = process.env["DATABASE_URL"];
  const direct = !process.env["CLOUDBURST_CHILD_SOCKET"] && url;
  return (direct ? viaDatabase(url, event) : reportToWorker(event, process.env)).catch((error: Error) => {
    throw new UserError(error.message, "child commands are for scripts run by `cloudburst worker`");
  });
}

const send = async (event: ChildEvent): Promise<void> => {
  await sendChildEvent(event);
};

const QUEUE_ACTIONS = ["active", "complete", "aborted", "no_of_aborted", "reset"];

function registerQueries(child: Command): void {
  child
    .command("wait")
    .description("wait until an expression (as a trigger on this task) holds")
    .argument("<expression...>", "e.g. ../other == complete")
    .action((expression: string[]) => waitUntilHolds(expression.join(" "), sendChildEvent));
  child
    .command("queue")
    .description("take (active), finish (complete, aborted), count (no_of_aborted) or reset a queue's steps")
    .argument("<name>", "the queue's name")
    .argument("<action>", QUEUE_ACTIONS.join(" | "))
    .argument("[step]", "with complete and aborted: the step")
    .argument("[path]", "the node holding the queue (default: this task or the nearest above it)")
    .action(async (name: string, action: string, step?: string, path?: string) => {
      if (!QUEUE_ACTIONS.includes(action))
        throw new UsageError(`the action is one of ${QUEUE_ACTIONS.join(", ")}`);
      const result = await sendChildEvent({
        type: "queue",
        name,
        action: action as QueueAction,
        ...(step ? { step } : {}),
        ...(path ? { path } : {}),
      });
      if (result.value) process.stdout.write(`${result.value}\n`);
    });
}

export function registerChildCommands(program: Command): void {
  const child = program.command("child").description("report a running task's progress (for task scripts)");
  child
    .command("init")
    .description("the job has started")
    .action(() => send({ type: "init", worker: `${process.env["HOSTNAME"] ?? "script"}:${process.ppid}` }));
  child
    .command("event")
    .description("set (or clear) an event")
    .argument("<name>", "event name or number")
    .argument("[value]", "set (default) or clear")
    .action((name: string, value: string | undefined) => {
      if (value !== undefined && value !== "set" && value !== "clear")
        throw new UsageError("the value is set or clear");
      return send({ type: "event", name, value: value !== "clear" });
    });
  child
    .command("meter")
    .description("set a meter")
    .argument("<name>", "meter name")
    .argument("<value>", "integer value")
    .action((name: string, value: string) => {
      const n = Number(value);
      if (!Number.isInteger(n)) throw new UsageError(`meter value "${value}" is not an integer`);
      return send({ type: "meter", name, value: n });
    });
  child
    .command("label")
    .description("set a label")
    .argument("<name>", "label name")
    .argument("<value...>", "text")
    .action((name: string, value: string[]) => send({ type: "label", name, value: value.join(" ") }));
  child
    .command("complete")
    .description("the job has finished well")
    .action(() => send({ type: "complete" }));
  child
    .command("abort")
    .description("the job has failed")
    .argument("[reason...]", "why")
    .action((reason: string[] = []) =>
      send({ type: "abort", reason: reason.join(" ") || "aborted by the script" }),
    );
  registerQueries(child);
}
