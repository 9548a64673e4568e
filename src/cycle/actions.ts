// The cycle suite's built-in actions and its data trigger. Imported by the control server (control
// queue: data server, fleet, delivery) and by workers (compute queue: product jobs).
import { basename, posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { migrate } from "../db/migrate.ts";
import { deliver, deliveryItem } from "../delivery/deliver.ts";
import { cycleDeliveryStatus, deliverCycle, queueDeliveries } from "../delivery/ledger.ts";
import { replicateProducts } from "../delivery/replicate.ts";
import { destinationFromUrl } from "../delivery/url.ts";
import { currentFleet, type FleetService } from "../fleet/service.ts";
import { registerDataTriggerSource } from "../flow/engine/data-trigger.ts";
import { currentIngest } from "../ingest/service.ts";
import { registerAction } from "../worker/actions.ts";
import { jobReadiness } from "./inputs.ts";
import { runProductJob } from "./job.ts";
import { findProduct } from "./products.ts";
import {
  type CycleRuntime,
  cycleBaseTime,
  cycleKey,
  cycleRuntime,
  destinationCatalogueVariable,
  firstDataAt,
} from "./runtime.ts";

/** How often actions look at the fleet while waiting for nodes. */
const fleetPollMs = 500;

function stepOf(variables: Record<string, string>): number {
  const step = Number(variables["STEP"]);
  if (!Number.isFinite(step) || step < 0)
    throw new Error(`STEP is "${variables["STEP"] ?? ""}": expected a forecast step in hours`);
  return step;
}

/** `catalogue:inputs product=NAME step=S`: holds when the catalogue has every input of that job. */
registerDataTriggerSource({
  name: "catalogue",
  async waitFor(condition) {
    const terms = Object.fromEntries(
      condition.query
        .split(/\s+/)
        .slice(1)
        .map((t) => t.split("=") as [string, string]),
    );
    const runtime = await cycleRuntime();
    const product = findProduct(runtime.products, terms["product"] ?? "");
    const readiness = await jobReadiness(
      runtime.db.pool,
      runtime.config.cycle.producer,
      cycleBaseTime(condition.variables),
      product,
      Number(terms["step"]),
    );
    return { satisfied: readiness.ready, detail: readiness.detail };
  },
});

registerAction({
  name: "cycle.product",
  description: "runs product NAME for the task's STEP of the cycle CB_CYCLE and queues its delivery",
  async run({ args, variables, log, report }) {
    const runtime = await cycleRuntime();
    const product = findProduct(runtime.products, args[0] ?? "");
    const baseTime = cycleBaseTime(variables);
    const step = stepOf(variables);
    const { producer } = runtime.config.cycle;
    const cpuBefore = process.cpuUsage();
    const result = await runProductJob(
      runtime.db.pool,
      runtime.store,
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
    const destination = destinationFromUrl(runtime.config.cycle.destination);
    const key = cycleKey(producer, baseTime);
    const items = await Promise.all(
      result.files.map((f) =>
        deliveryItem(f.path, posix.join(key.replace("/", "_"), product.name, basename(f.path))),
      ),
    );
    await queueDeliveries(runtime.db.pool, key, destination.label, items, step);
    const cpu = process.cpuUsage(cpuBefore);
    await report({ type: "label", name: "cpu", value: ((cpu.user + cpu.system) / 1e6).toFixed(3) });
    try {
      const status = await deliverCycle(
        runtime.db.pool,
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
    for (const file of result.files)
      log(`wrote ${file.uri} (${file.bytes} bytes; products ${file.productIds.join(", ")})`);
    log(
      `from ${result.inputs.length} input fields: ${result.inputs.map((f) => `#${f.id} ${f.param} ${f.levelType} ${f.level} step ${f.stepRange}`).join(", ")}`,
    );
    await report({ type: "label", name: "made", value: `${result.files.length} files` }).catch(
      () => undefined,
    );
  },
});

registerAction({
  name: "cycle.deliver",
  description:
    "delivers every product of the cycle CB_CYCLE, verified by checksum, and replicates their catalogue rows to the destination's; fails while any is missing",
  async run({ variables, log }) {
    const runtime = await cycleRuntime();
    const baseTime = cycleBaseTime(variables);
    const key = cycleKey(runtime.config.cycle.producer, baseTime);
    const destination = destinationFromUrl(runtime.config.cycle.destination);
    try {
      const status = await deliverCycle(runtime.db.pool, key, destination.label, (item) =>
        deliver(destination, item, undefined, (error, attempt, delayMs) =>
          log(`${item.name}: attempt ${attempt} failed (${error.message}); retrying in ${delayMs} ms`),
        ),
      );
      log(
        `${key}: ${status.delivered} delivered (${status.bytes} bytes), ${status.failed} failed, ${status.pending} pending to ${destination.label}`,
      );
      if (status.failed > 0 || status.pending > 0)
        throw new Error(`${status.failed + status.pending} products of ${key} are not delivered`);
      const catalogueUrl = process.env[destinationCatalogueVariable];
      if (catalogueUrl) {
        const replicated = await replicateToDestination(
          runtime,
          catalogueUrl,
          key,
          baseTime,
          destination.label,
        );
        log(`${replicated} product rows replicated to the destination's catalogue`);
      }
    } finally {
      await destination.close();
    }
  },
});

/** The destination's catalogue (a second PostgreSQL, migrated to the cloudburst schema). */
async function replicateToDestination(
  runtime: CycleRuntime,
  url: string,
  key: string,
  baseTime: Date,
  destinationLabel: string,
): Promise<number> {
  const delivered = await runtime.db.pool.query<{ local_path: string; name: string }>(
    "select local_path, name from delivery where cycle_key = $1 and destination = $2 and state = 'delivered'",
    [key, destinationLabel],
  );
  const nameByPath = new Map(delivered.rows.map((r) => [r.local_path, r.name]));
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: "cloudburst-replicate" });
  try {
    await migrate(pool);
    return await replicateProducts(runtime.db.pool, pool, runtime.config.cycle.producer, baseTime, (uri) => {
      const name = nameByPath.get(runtime.store.path(uri));
      return name === undefined ? null : `${destinationLabel}/${name}`;
    });
  } finally {
    await pool.end();
  }
}

registerAction({
  name: "cycle.data-server",
  description:
    "start: the data server takes the cycle's data (the configured cloud data server is started); stop: only once every product is delivered",
  async run({ args, variables, log, signal }) {
    const runtime = await cycleRuntime();
    const key = cycleKey(runtime.config.cycle.producer, cycleBaseTime(variables));
    const fleet = currentFleet();
    if (args[0] === "start") {
      if (!currentIngest()) throw new Error("this server takes no data: its ingest service is not running");
      if (fleet) {
        const environment = fleet.config.fleet.environment;
        const wanted = Number(variables["CB_NODES"] ?? fleet.config.fleet.computeNodes);
        const planned = await fleet.store.planCycle(environment, key, new Date(), wanted);
        if (planned.state !== "planned" && planned.state !== "processing")
          await fleet.store.setCycleState(environment, key, "planned");
        await fleet.controller.reconcile();
        await waitForDataServer(fleet, "running", signal);
      }
      log(`data server ready for ${key}: receivers running, the store is ${runtime.store.root}`);
      return;
    }
    if (args[0] !== "stop")
      throw new Error(`cycle.data-server: expected start or stop, got "${args[0] ?? ""}"`);
    const status = await cycleDeliveryStatus(runtime.db.pool, key);
    if (status.pending > 0 || status.failed > 0)
      throw new Error(
        `${key}: ${status.pending} pending and ${status.failed} failed deliveries; the data server stays up`,
      );
    if (fleet) {
      await fleet.store.setCycleState(fleet.config.fleet.environment, key, "delivered");
      await fleet.controller.reconcile();
      await waitForDataServer(fleet, "stopped", signal);
    }
    log(`${key}: all ${status.delivered} products delivered; the data server is released`);
  },
});

/** Waits until the cloud data server (fleet.cloudsigma.dataServer) is in `state`; at once when there is none. */
async function waitForDataServer(
  fleet: FleetService,
  state: "running" | "stopped",
  signal: AbortSignal,
): Promise<void> {
  const name = fleet.config.fleet.cloudsigma.dataServer;
  if (!name || fleet.provider.name !== "cloudsigma") return;
  for (;;) {
    const node = (await fleet.provider.listNodes()).find((n) => n.id === name || n.name === name);
    if (!node) throw new Error(`the data server ${name} is not on the provider`);
    if (node.state === state) return;
    await sleep(fleetPollMs, undefined, { signal });
  }
}

registerAction({
  name: "cycle.fleet",
  description:
    "up: plan the cycle's CB_NODES compute nodes and wait until they are ready (with autoscaling, at most that many, each started ahead of its data; the first data is due at CB_FIRST_DATA, or now); down: release them and wait until gone",
  async run({ args, variables, log, signal }) {
    const fleet = currentFleet();
    if (!fleet)
      throw new Error(
        "this server runs no fleet: configure the `fleet` section (provider local or cloudsigma)",
      );
    const runtime = await cycleRuntime();
    const environment = fleet.config.fleet.environment;
    const key = cycleKey(runtime.config.cycle.producer, cycleBaseTime(variables));
    const compute = async () =>
      (await fleet.store.nodes(environment, key)).filter((n) => n.role === "compute");
    if (args[0] === "up") {
      const wanted = Number(variables["CB_NODES"] ?? fleet.config.fleet.computeNodes);
      const planned = await fleet.store.planCycle(environment, key, firstDataAt(variables), wanted);
      // A cycle run again (rerun, requeue) needs its compute again.
      if (planned.state !== "planned" && planned.state !== "processing") {
        await fleet.store.setCycleState(environment, key, "planned");
      }
      await fleet.controller.reconcile();
      if (fleet.config.fleet.autoscale.enabled) {
        log(`compute follows the backlog: up to ${wanted} nodes, each when its jobs' data is near`);
        return;
      }
      for (;;) {
        const nodes = await compute();
        const ready = nodes.filter((n) => n.state === "ready");
        if (ready.length >= wanted) {
          log(`${ready.length} compute nodes ready: ${ready.map((n) => n.name).join(", ")}`);
          return;
        }
        const failed = nodes.filter((n) => n.state === "failed");
        if (failed.length > 0 && nodes.length - failed.length < wanted)
          log(`${failed.length} nodes failed; the controller replaces them`);
        await sleep(fleetPollMs, undefined, { signal });
      }
    }
    if (args[0] !== "down") throw new Error(`cycle.fleet: expected up or down, got "${args[0] ?? ""}"`);
    await fleet.store.setCycleState(environment, key, "processed");
    await fleet.controller.reconcile();
    for (;;) {
      const live = (await compute()).filter((n) => n.state !== "destroyed" && n.state !== "failed");
      if (live.length === 0) {
        log(`every compute node of ${key} is destroyed`);
        return;
      }
      await sleep(fleetPollMs, undefined, { signal });
    }
  },
});
