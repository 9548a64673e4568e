// `cloudburst child init|event|meter|label|complete|abort`: what a task's script tells the flow engine
// (ecflow_client's child commands). The worker running the script sets CLOUDBURST_CHILD_SOCKET,
// CLOUDBURST_SUITE_ID, ECF_NAME, ECF_PASS and ECF_TRYNO; without the socket, DATABASE_URL is used.
import type { Command } from "commander";
import pg from "pg";
import { applyChildEvent, type ChildEventResult } from "../../flow/engine/child-events.ts";
import type { ChildEvent, ChildIdentity } from "../../flow/engine/job.ts";
import { postChildEvent } from "../../worker/child-socket.ts";
import { UsageError, UserError } from "../errors.ts";

function identityFromEnvironment(env: NodeJS.ProcessEnv): ChildIdentity {
  const missing = ["CLOUDBURST_SUITE_ID", "ECF_NAME", "ECF_PASS", "ECF_TRYNO"].filter((k) => !env[k]);
  if (missing.length) {
    throw new UserError(
      `not inside a task: ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not set`,
      "child commands are for scripts run by `cloudburst worker`; they set these variables",
    );
  }
  const tryNo = Number(env["ECF_TRYNO"]);
  if (!Number.isInteger(tryNo) || tryNo < 1)
    throw new UserError(`ECF_TRYNO is "${env["ECF_TRYNO"]}", not a try number`);
  return { suiteId: env["CLOUDBURST_SUITE_ID"]!, path: env["ECF_NAME"]!, tryNo, password: env["ECF_PASS"]! };
}

async function send(event: ChildEvent): Promise<void> {
  const identity = identityFromEnvironment(process.env);
  const socket = process.env["CLOUDBURST_CHILD_SOCKET"];
  let result: ChildEventResult;
  if (socket) {
    result = await postChildEvent(socket, { ...identity, event }).catch((error: Error) => {
      throw new UserError(`cannot reach the worker at ${socket}: ${error.message}`);
    });
  } else if (process.env["DATABASE_URL"]) {
    const pool = new pg.Pool({ connectionString: process.env["DATABASE_URL"], max: 1 });
    try {
      result = await applyChildEvent(pool, identity, event);
    } finally {
      await pool.end();
    }
  } else {
    throw new UserError(
      "neither CLOUDBURST_CHILD_SOCKET nor DATABASE_URL is set",
      "run the script through `cloudburst worker`",
    );
  }
  if (!result.accepted) throw new UserError(`${identity.path}: ${result.message}`);
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
}
