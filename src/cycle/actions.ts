// The cycle suite's built-in actions and its data trigger, for a process's composition root to give its
// workers and its flow engine. Each action's code is imported when it first runs, so a compute node
// does not load the control role's modules.
import type { DataTriggerSource } from "../flow/engine/data-trigger.ts";
import type { Action } from "../worker/actions.ts";
import type { CycleContext } from "./context.ts";
import { jobReadiness } from "./inputs.ts";
import { cycleBaseTime, plannedSteps, STEPS_VARIABLE } from "./names.ts";
import type { ProductContext } from "./product-action.ts";
import { findProduct } from "./products.ts";

/** `catalogue:inputs product=NAME step=S`: holds when the catalogue has every input of that job. */
export function catalogueDataSource(cycle: CycleContext): DataTriggerSource {
  return {
    name: "catalogue",
    async waitFor(condition) {
      const terms = Object.fromEntries(
        condition.query
          .split(/\s+/)
          .slice(1)
          .map((t) => t.split("=") as [string, string]),
      );
      const product = findProduct(cycle.products, terms["product"] ?? "");
      const readiness = await jobReadiness(
        cycle.db.pool,
        cycle.settings.producer,
        cycleBaseTime(condition.variables),
        product,
        Number(terms["step"]),
        // A suite of our own cycle plans its steps; another suite's job takes any complete input set.
        STEPS_VARIABLE in condition.variables ? plannedSteps(condition.variables) : undefined,
      );
      return { satisfied: readiness.ready, detail: readiness.detail };
    },
  };
}

/**
 * The product job, for a compute node: `context` says where the products' definitions and data are (the
 * data role, over the network), and is asked while the node prepares, before it takes its first job.
 */
export function productAction(context: () => Promise<ProductContext>): Action {
  return {
    name: "cycle.product",
    description:
      "runs product NAME for the task's STEP of the cycle CB_CYCLE, then stores, catalogues and delivers it",
    queue: "compute",
    prepare: async () => {
      await import("./product-action.ts");
      await context();
    },
    run: async (action) => (await import("./product-action.ts")).runProductAction(await context(), action),
  };
}

/**
 * The cycle's actions in a server process; each asks `cycle` for its context when it runs (a process
 * that only lists them, such as `worker --actions`, has none).
 */
export function cycleActions(cycle: () => CycleContext): Action[] {
  return [
    productAction(async () => ({ products: cycle().products, data: cycle().productData })),
    {
      name: "cycle.deliver",
      description:
        "delivers every product of the cycle CB_CYCLE, verified by checksum, and replicates their catalogue rows to the destination's; fails while any is missing",
      run: async (context) => (await import("./deliver-action.ts")).runDeliverAction(cycle(), context),
    },
    {
      name: "cycle.data-server",
      description:
        "start: the data server takes the cycle's data (the configured cloud data server is started); stop: only once every product is delivered",
      run: async (context) => (await import("./control-actions.ts")).runDataServerAction(cycle(), context),
    },
    {
      name: "cycle.ingest",
      description:
        "active while the cycle CB_CYCLE's data arrives: keeps meter step at the last of the planned steps CB_STEPS up to which all are in the catalogue; complete when all are",
      run: async (context) => (await import("./ingest-action.ts")).runIngestAction(cycle(), context),
    },
    {
      name: "cycle.fleet",
      description:
        "up: plan the cycle's CB_NODES compute nodes and wait until they are ready (with autoscaling, at most that many, each started ahead of its data; the first data is due at CB_FIRST_DATA, or now); down: release them and wait until gone",
      run: async (context) => (await import("./control-actions.ts")).runFleetAction(cycle(), context),
    },
  ];
}
