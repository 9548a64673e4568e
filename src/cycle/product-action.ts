// The cycle's product job (`cycle.product NAME`): makes one product for the task's STEP from the
// catalogued inputs, publishes the files (stored, catalogued, delivered) and reports the job's CPU time.
import type { ActionContext } from "../worker/actions.ts";
import { runProductJob } from "./job.ts";
import { cycleBaseTime } from "./names.ts";
import type { ProductData } from "./product-data.ts";
import { type CycleProductSpec, findProduct } from "./products.ts";

/** What a product job needs: the cycle's products and where their data is. */
export interface ProductContext {
  products: CycleProductSpec[];
  data: ProductData;
}

function stepOf(variables: Record<string, string>): number {
  const step = Number(variables["STEP"]);
  if (!Number.isFinite(step) || step < 0)
    throw new Error(`STEP is "${variables["STEP"] ?? ""}": expected a forecast step in hours`);
  return step;
}

export async function runProductAction(
  context: ProductContext,
  { args, variables, log, report }: ActionContext,
): Promise<void> {
  const product = findProduct(context.products, args[0] ?? "");
  const baseTime = cycleBaseTime(variables);
  const step = stepOf(variables);
  // The job's CPU time (its `cpu` label, the cycle's ideal node time) covers making the product and
  // publishing it: both are the node's work for this job.
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const job = `${variables["ECF_NAME"] ?? product.name} try ${variables["ECF_TRYNO"] ?? "1"}`;
  const result = await runProductJob(context.data, baseTime, product, step, job);
  for (const skipped of result.skipped) log(`skipped ${skipped}`);
  if (result.files.length === 0)
    throw new Error(`${product.name} step ${step} made nothing: ${result.skipped.join("; ")}`);
  const failed = result.files.filter((f) => f.delivery !== "delivered");
  if (failed.length) log(`${failed.length} files not delivered yet; the cycle's deliver task retries them`);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = ((cpu.user + cpu.system) / 1e6).toFixed(3);
  await report({ type: "label", name: "cpu", value: cpuSeconds });
  const phases = result.seconds;
  log(
    `made and published in ${((performance.now() - started) / 1000).toFixed(3)} s (inputs ${phases.read.toFixed(3)}, compute ${phases.compute.toFixed(3)}, store, catalogue and delivery ${phases.store.toFixed(3)}), ${cpuSeconds} s of CPU`,
  );
  for (const file of result.files)
    log(`wrote ${file.uri} (${file.bytes} bytes; products ${file.productIds.join(", ")}; ${file.delivery})`);
  log(
    `from ${result.inputs.length} input fields: ${result.inputs.map((f) => `#${f.id} ${f.param} ${f.levelType} ${f.level} step ${f.stepRange}`).join(", ")}`,
  );
  await report({ type: "label", name: "made", value: `${result.files.length} files` }).catch(() => undefined);
}
