// What a task's script finds around it: a Unix socket its `cloudburst child ...` and `ecflow_client`
// reports reach this worker through (so scripts need no credentials of their own), and first on its
// PATH the `cloudburst` and `ecflow_client` (ecflow-client.ts) shims, so that ecFlow scripts run unchanged.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ChildEventResult } from "../flow/engine/child-events.ts";
import {
  type ChildEvent,
  type ChildIdentity,
  checkChildEvent,
  type TaskJobData,
} from "../flow/engine/job.ts";
import { cliPath } from "../system/processes.ts";
import { writeShim } from "../system/shims.ts";
import { serveChildSocket } from "./child-socket.ts";

export interface ScriptEnvironment {
  /** Variables every script of this worker gets. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A report from a script: the job it claims to belong to (null when this worker runs no such try) and
 * how to pass it on once checked against that job's events, meters and labels.
 */
export type ScriptReport = (
  identity: ChildIdentity,
  event: ChildEvent,
) => { job: TaskJobData | null; report: () => Promise<ChildEventResult> };

const ecflowClientPath = resolve(import.meta.dirname, "ecflow-client.ts");

/** Writes both shims into `dir`. */
function writeScriptShims(dir: string): void {
  writeShim(dir, "cloudburst", cliPath);
  writeShim(dir, "ecflow_client", ecflowClientPath);
}

export async function startScriptEnvironment(onReport: ScriptReport): Promise<ScriptEnvironment> {
  const dir = mkdtempSync(join(tmpdir(), "cloudburst-worker-"));
  const socketPath = join(dir, "child.sock");
  writeScriptShims(dir);
  const socket = await serveChildSocket(socketPath, async (identity, event) => {
    const { job, report } = onReport(identity, event);
    const problem = job ? checkChildEvent(job, event) : null;
    if (problem) return { accepted: false, message: problem };
    return report();
  });
  return {
    env: { CLOUDBURST_CHILD_SOCKET: socketPath, PATH: `${dir}:${process.env["PATH"] ?? "/usr/bin:/bin"}` },
    async close() {
      await new Promise<void>((r) => socket.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
