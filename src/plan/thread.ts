// A plan off the caller's thread: a thousand cycles take seconds of CPU, which on the control server's
// thread would stall the flow engine, the fleet and ingest that share it.
import { Worker } from "node:worker_threads";
import { type CycleProductSpec, type ProductSource, productSource } from "../cycle/products.ts";
import { workerExecArgv } from "../system/threads.ts";
import { PlanInputError } from "./errors.ts";
import type { PlanEvidence, PlanQuestion } from "./inputs.ts";
import type { PlanReport } from "./report.ts";

/** What the thread is given: products as their definitions' text (a parsed one holds functions). */
export interface ThreadInput {
  question: PlanQuestion;
  evidence: PlanEvidence;
  /** Products to measure on the spot first. */
  measure: ProductSource[];
}

export type ThreadAnswer =
  | { report: PlanReport }
  | { error: string; hint?: string | undefined; input: boolean };

export function planInThread(input: {
  question: PlanQuestion;
  evidence: PlanEvidence;
  /** Products to measure on the spot first. */
  measure: readonly CycleProductSpec[];
}): Promise<PlanReport> {
  const workerData: ThreadInput = { ...input, measure: input.measure.map(productSource) };
  const worker = new Worker(new URL("./plan-thread.ts", import.meta.url), {
    workerData,
    execArgv: workerExecArgv(),
  });
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
