// The worker-thread side of thread.ts: measures what it is asked to, plans, and answers once.
import { parentPort, workerData } from "node:worker_threads";
import { productsFromSources } from "../cycle/products.ts";
import { PlanInputError } from "./errors.ts";
import { withMeasured } from "./evidence.ts";
import { runPlan } from "./run.ts";
import type { ThreadAnswer, ThreadInput } from "./thread.ts";

async function answer({ question, evidence, measure }: ThreadInput): Promise<ThreadAnswer> {
  try {
    const measured = await withMeasured(productsFromSources(measure), evidence, question.grid);
    return { report: runPlan(question, measured) };
  } catch (error) {
    return {
      error: (error as Error).message,
      hint: error instanceof PlanInputError ? error.hint : undefined,
      input: error instanceof PlanInputError,
    };
  }
}

const port = parentPort;
if (port) port.postMessage(await answer(workerData as ThreadInput));
