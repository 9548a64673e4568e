// A plan off the caller's thread: a thousand cycles take seconds of CPU, which on the control server's
// thread would stall the flow engine, the fleet and ingest that share it.
import { Worker } from "node:worker_threads";
import { PlanInputError } from "./errors.ts";
import type { PlanEvidence, PlanQuestion } from "./inputs.ts";
import type { PlanReport } from "./report.ts";

export interface ThreadInput {
  question: PlanQuestion;
  evidence: PlanEvidence;
  /** Products to measure on the spot first, with the configuration file that names them. */
  measure: { configFile: string | undefined; names: string[] } | null;
}

export type ThreadAnswer =
  | { report: PlanReport }
  | { error: string; hint?: string | undefined; input: boolean };

export function planInThread(input: ThreadInput): Promise<PlanReport> {
  const worker = new Worker(new URL("./plan-thread.ts", import.meta.url), { workerData: input });
  return new Promise<PlanReport>((resolve, reject) => {
    worker.once("message", (answer: ThreadAnswer) => {
      if ("report" in answer) resolve(answer.report);
      else reject(answer.input ? new PlanInputError(answer.error, answer.hint) : new Error(answer.error));
    });
    worker.once("error", reject);
    worker.once("exit", (code) =>
      reject(new Error(`the planner's thread stopped (exit ${code}) before answering`)),
    );
  }).finally(() => worker.terminate());
}
