// Runs one try of one task: marks it active, runs its built-in action or its pre-processed shell
// script, streams the output to the task's log and reports how it ended. Used by worker agents and by
// the control server for the `control` queue.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import type { ChildEventResult, OutputLine } from "../flow/engine/child-events.ts";
import {
  type ChildEvent,
  type ChildIdentity,
  checkChildEvent,
  type TaskJobData,
} from "../flow/engine/job.ts";
import type { ActionRegistry } from "./actions.ts";
import { readScriptFile, scriptCandidates } from "./locate-script.ts";
import { PreprocessError, preprocess } from "./preprocess.ts";

export interface RunTaskDeps {
  /** Applies a child event to the task's flow state. */
  child(identity: ChildIdentity, event: ChildEvent): Promise<ChildEventResult>;
  /** Appends lines to the try's output log. */
  output(lines: OutputLine[]): Promise<void>;
  /** The built-in actions a task may name (CB_ACTION). */
  actions: ActionRegistry;
  /** host:pid of this worker, recorded in the history. */
  workerName: string;
  /** Aborted when the task must stop (killed by an operator, zombie, worker stopping). */
  signal: AbortSignal;
  /** Environment additions for scripts: where `cloudburst child` reaches this worker. */
  scriptEnv?: Record<string, string>;
  /** Whether the script itself reported its end (ecFlow's tail.h and ERROR trap do, then exit 0). */
  endedByScript?: () => "complete" | "abort" | undefined;
}

export type TaskOutcome = "complete" | "aborted" | "refused";

export interface TaskRunResult {
  outcome: TaskOutcome;
  message: string;
}

/** Buffers output lines and writes them in batches. */
class OutputLog {
  private buffer: OutputLine[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly write: (lines: OutputLine[]) => Promise<void>;
  constructor(write: (lines: OutputLine[]) => Promise<void>) {
    this.write = write;
  }
  add(stream: OutputLine["stream"], line: string): void {
    this.buffer.push({ stream, line });
    if (this.buffer.length >= 500) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), 200);
  }
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const lines = this.buffer;
    this.buffer = [];
    this.writing = this.writing
      .then(() => (lines.length ? this.write(lines) : undefined))
      .catch(() => undefined);
    return this.writing;
  }
}

export async function runTask(job: TaskJobData, deps: RunTaskDeps): Promise<TaskRunResult> {
  const identity = { suiteId: job.suiteId, path: job.path, tryNo: job.tryNo, password: job.password };
  const report = (event: ChildEvent): Promise<ChildEventResult> => deps.child(identity, event);
  const started = await report({ type: "init", worker: deps.workerName });
  if (!started.accepted) return { outcome: "refused", message: started.message };
  const log = new OutputLog(deps.output);
  let failure: string | null = null;
  try {
    failure = job.action ? await runAction(job, deps, log, report) : await runScript(job, deps, log);
  } catch (error) {
    failure = (error as Error).message;
  }
  if (deps.signal.aborted && !failure) failure = String(deps.signal.reason ?? "killed");
  const byScript = deps.endedByScript?.();
  if (byScript) {
    // The script's own report stands (its exit code after it is the trap's, as with ecFlow).
    log.add("system", `the script reported ${byScript === "abort" ? "abort" : "complete"}`);
    await log.flush();
    return byScript === "abort"
      ? { outcome: "aborted", message: "the script reported abort" }
      : { outcome: "complete", message: "complete" };
  }
  if (failure) log.add("system", `aborted: ${failure}`);
  await log.flush();
  const ended = await report(failure ? { type: "abort", reason: failure } : { type: "complete" });
  if (!ended.accepted) return { outcome: "refused", message: ended.message };
  return failure ? { outcome: "aborted", message: failure } : { outcome: "complete", message: ended.message };
}

async function runAction(
  job: TaskJobData,
  deps: RunTaskDeps,
  log: OutputLog,
  report: (event: ChildEvent) => Promise<ChildEventResult>,
): Promise<string | null> {
  const spec = job.action!;
  const action = deps.actions.find(spec.name);
  if (!action) {
    return `unknown action "${spec.name}" (this worker knows: ${deps.actions
      .list()
      .map((a) => a.name)
      .join(", ")})`;
  }
  await action.run({
    args: spec.args,
    variables: job.variables,
    task: { events: job.events, meters: job.meters, labels: job.labels },
    signal: deps.signal,
    log: (line) => log.add("stdout", line),
    async report(event) {
      const problem = checkChildEvent(job, event);
      if (problem) throw new Error(problem);
      const result = await report(event);
      if (!result.accepted) throw new Error(result.message);
    },
  });
  return null;
}

/** The job text of the task's script, pre-processed, and where it came from; a string says why there is none. */
function jobText(job: TaskJobData): { text: string; file: string } | string {
  if (job.jobText !== undefined) return { text: job.jobText, file: "the job as an operator edited it" };
  const candidates = scriptCandidates(job.path, job.variables);
  const file = candidates.find((c) => existsSync(c));
  if (!file) {
    return `no script for ${job.path}: looked for ${candidates.join(", ") || "nothing (set ECF_HOME, ECF_FILES or ECF_SCRIPT, or CB_ACTION)"}`;
  }
  try {
    return {
      text: preprocess(readFileSync(file, "utf8"), {
        variables: job.variables,
        fileName: file,
        readFile: readScriptFile,
      }),
      file,
    };
  } catch (error) {
    if (error instanceof PreprocessError) return `pre-processing failed: ${error.message}`;
    throw error;
  }
}

/** Runs the task's script; returns null when it ended well, else why it did not. */
async function runScript(job: TaskJobData, deps: RunTaskDeps, log: OutputLog): Promise<string | null> {
  const made = jobText(job);
  if (typeof made === "string") return made;
  const { text, file } = made;
  const variables = job.variables;
  const jobFile =
    job.variables["ECF_JOB"] ||
    join(tmpdir(), `cloudburst-job-${job.suiteId}-${process.pid}-${Date.now()}.job${job.tryNo}`);
  mkdirSync(dirname(jobFile), { recursive: true });
  writeFileSync(jobFile, text, { mode: 0o700 });
  log.add("system", `running ${jobFile} (from ${file}) on ${deps.workerName}`);

  const child = spawn("/bin/bash", [jobFile], {
    cwd: dirname(jobFile),
    detached: true, // its own process group, so that a kill reaches everything it started
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...deps.scriptEnv,
      // (what ecflow_client reads; the shim on the PATH reaches this worker through its socket instead)
      ECF_HOST: variables["ECF_HOST"] ?? "localhost",
      ECF_PORT: variables["ECF_PORT"] ?? "3141",
      ECF_NAME: job.path,
      ECF_PASS: job.password,
      ECF_TRYNO: String(job.tryNo),
      CLOUDBURST_SUITE_ID: job.suiteId,
    },
  });
  createInterface({ input: child.stdout! }).on("line", (line) => log.add("stdout", line));
  createInterface({ input: child.stderr! }).on("line", (line) => log.add("stderr", line));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  let hardKill: NodeJS.Timeout | null = null;
  const onAbort = () => {
    killGroup("SIGTERM");
    hardKill = setTimeout(() => killGroup("SIGKILL"), 5000);
  };
  deps.signal.addEventListener("abort", onAbort, { once: true });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c, s) => resolve([c, s]));
  }).finally(() => {
    deps.signal.removeEventListener("abort", onAbort);
    if (hardKill) clearTimeout(hardKill);
  });
  if (deps.signal.aborted) return String(deps.signal.reason ?? "killed");
  if (signal) return `the script was killed by ${signal}`;
  if (code !== 0) return `the script exited with code ${code}`;
  return null;
}
