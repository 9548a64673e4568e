// The cycle's product job (`cycle.product NAME`): makes one product for the task's step from the
// catalogued inputs, queues the files for delivery, reports the job's CPU time and delivers them.
import { basename, posix } from "node:path";
import { deliver, deliveryItem } from "../delivery/deliver.ts";
import { deliverCycle, queueDeliveries } from "../delivery/ledger.ts";
import { destinationFromUrl } from "../delivery/url.ts";
import type { ActionContext } from "../worker/actions.ts";
import type { CycleContext } from "./context.ts";
import { runProductJob } from "./job.ts";
import { cycleBaseTime, cycleKey } from "./names.ts";
import { findProduct } from "./products.ts";

function stepOf(variables: Record<string, string>): number {
  const step = Number(variables["STEP"]);
  if (!Number.isFinite(step) || step < 0)
    throw new Error(`STEP is "${variables["STEP"] ?? ""}": expected a forecast step in hours`);
  return step;
}

/** Loads the product code (by importing this module) before any job. */
export async function prepareProductAction(): Promise<void> {}

export async function runProductAction(
  cycle: CycleContext,
  { args, variables, log, report }: ActionContext,
): Promise<void> {
  const product = findProduct(cycle.products, args[0] ?? "");
  const baseTime = cycleBaseTime(variables);
  const step = stepOf(variables);
  const { producer } = cycle.settings;
  // The job's CPU time (its `cpu` label, the cycle's ideal node time) covers making the product and
  // delivering it: both are the node's work for this job.
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await runProductJob(
    cycle.db.pool,
    cycle.store,
    producer,
    baseTime,
    product,
    step,
    `${variables["ECF_NAME"] ?? product.name} try ${variables["ECF_TRYNO"] ?? "1"}`,
  );
  for (const skipped of result.skipped) log(`skipped ${skipped}`);
  if (result.files.length === 0)
    throw new Error(`${product.name} step ${step} made nothing: ${result.skipped.join("; ")}`);
  // Products go out as soon as they exist; the cycle's deliver task confirms the lot and retries failures.
  const destination = destinationFromUrl(cycle.settings.destination);
  const key = cycleKey(producer, baseTime);
  const items = await Promise.all(
    result.files.map((f) =>
      deliveryItem(f.path, posix.join(key.replace("/", "_"), product.name, basename(f.path))),
    ),
  );
  await queueDeliveries(cycle.db.pool, key, destination.label, items, step);
  const made = performance.now();
  try {
    const status = await deliverCycle(
      cycle.db.pool,
      key,
      destination.label,
      (item) => deliver(destination, item),
      {
        names: items.map((i) => i.name),
      },
    );
    if (status.failed > 0)
      log(`${status.failed} deliveries of ${key} failed so far; the deliver task retries them`);
  } finally {
    await destination.close();
  }
  const cpu = process.cpuUsage(cpuBefore);
  await report({ type: "label", name: "cpu", value: ((cpu.user + cpu.system) / 1e6).toFixed(3) });
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const phases = result.seconds;
  log(
    `made in ${seconds(made - started)} s (inputs ${phases.read.toFixed(3)}, compute ${phases.compute.toFixed(3)}, store and catalogue ${phases.store.toFixed(3)}), delivered in ${seconds(performance.now() - made)} s, ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s of CPU`,
  );
  for (const file of result.files)
    log(`wrote ${file.uri} (${file.bytes} bytes; products ${file.productIds.join(", ")})`);
  log(
    `from ${result.inputs.length} input fields: ${result.inputs.map((f) => `#${f.id} ${f.param} ${f.levelType} ${f.level} step ${f.stepRange}`).join(", ")}`,
  );
  await report({ type: "label", name: "made", value: `${result.files.length} files` }).catch(() => undefined);
}
