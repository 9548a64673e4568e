// The script side of the channel to the worker running it: one child report posted to the worker's
// Unix socket (CLOUDBURST_CHILD_SOCKET). Node built-ins only, so that `cloudburst child` and the
// ecflow_client shim start fast: a job may report hundreds of times.
import { request } from "node:http";
import type { ChildEventResult } from "../flow/engine/child-events.ts";
import type { ChildEvent, ChildIdentity } from "../flow/engine/job.ts";

export type ChildRequest = ChildIdentity & { event: ChildEvent };

/** Sends one child event to the worker's socket. */
export function postChildEvent(socketPath: string, body: ChildRequest): Promise<ChildEventResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: "/child", method: "POST", headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => {
          text += d.toString();
        });
        res.on("end", () => {
          try {
            resolve(JSON.parse(text) as ChildEventResult);
          } catch {
            reject(new Error(`the worker answered ${res.statusCode} with no result`));
          }
        });
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** The try a script belongs to, from the variables the worker sets; a message naming what is missing. */
export function identityFromEnvironment(env: NodeJS.ProcessEnv): ChildIdentity | string {
  const missing = ["CLOUDBURST_SUITE_ID", "ECF_NAME", "ECF_PASS", "ECF_TRYNO"].filter((k) => !env[k]);
  if (missing.length)
    return `not inside a task: ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not set`;
  const tryNo = Number(env["ECF_TRYNO"]);
  if (!Number.isInteger(tryNo) || tryNo < 1) return `ECF_TRYNO is "${env["ECF_TRYNO"]}", not a try number`;
  return {
    suiteId: env["CLOUDBURST_SUITE_ID"] as string,
    path: env["ECF_NAME"] as string,
    tryNo,
    password: env["ECF_PASS"] as string,
  };
}

/** Reports `event` to the worker of this script's task, as the environment names them. */
export async function reportToWorker(event: ChildEvent, env: NodeJS.ProcessEnv): Promise<ChildEventResult> {
  const identity = identityFromEnvironment(env);
  if (typeof identity === "string") throw new Error(identity);
  const socket = env["CLOUDBURST_CHILD_SOCKET"];
  if (!socket)
    throw new Error("CLOUDBURST_CHILD_SOCKET is not set: run the script through `cloudburst worker`");
  const result = await postChildEvent(socket, { ...identity, event }).catch((error: Error) => {
    throw new Error(`cannot reach the worker at ${socket}: ${error.message}`);
  });
  if (!result.accepted) throw new Error(`${identity.path}: ${result.message}`);
  return result;
}

/** Asks until the expression holds, every 1 s at first, then less often up to every 10 s. */
export async function waitUntilHolds(
  expression: string,
  ask: (event: ChildEvent) => Promise<ChildEventResult>,
): Promise<void> {
  for (let delay = 1000; ; delay = Math.min(10_000, delay * 2)) {
    const result = await ask({ type: "wait", expression });
    if (result.value === "true") return;
    await new Promise((r) => setTimeout(r, delay));
  }
}
