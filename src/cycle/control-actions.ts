// The cycle's control actions, run by the control server: `cycle.data-server start|stop` and
// `cycle.fleet up|down` hand the cycle's wishes to the fleet controller and wait for them.
import { setTimeout as sleep } from "node:timers/promises";
import { cycleDeliveryStatus } from "../delivery/ledger.ts";
import type { FleetService } from "../fleet/service.ts";
import type { ActionContext } from "../worker/actions.ts";
import type { CycleContext } from "./context.ts";
import { cycleBaseTime, cycleKey, firstDataAt } from "./names.ts";

/** How often actions look at the fleet while waiting for nodes. */
const fleetPollMs = 500;

export async function runDataServerAction(
  cycle: CycleContext,
  { args, variables, log, signal }: ActionContext,
): Promise<void> {
  const key = cycleKey(cycle.settings.producer, cycleBaseTime(variables));
  const fleet = cycle.fleet;
  if (args[0] === "start") {
    if (!cycle.ingest) throw new Error("this server takes no data: its ingest service is not running");
    if (fleet) {
      const environment = fleet.config.fleet.environment;
      const wanted = Number(variables["CB_NODES"] ?? fleet.config.fleet.computeNodes);
      const planned = await fleet.store.planCycle(environment, key, new Date(), wanted);
      if (planned.state !== "planned" && planned.state !== "processing")
        await fleet.store.setCycleState(environment, key, "planned");
      await fleet.controller.reconcile();
      await waitForDataServer(fleet, "running", signal);
    }
    log(`data server ready for ${key}: receivers running, the store is ${cycle.store.root}`);
    return;
  }
  if (args[0] !== "stop")
    throw new Error(`cycle.data-server: expected start or stop, got "${args[0] ?? ""}"`);
  const status = await cycleDeliveryStatus(cycle.db.pool, key);
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
}

/** Waits until the provider's data server is in `state`; at once when the provider has none. */
async function waitForDataServer(
  fleet: FleetService,
  state: "running" | "stopped",
  signal: AbortSignal,
): Promise<void> {
  const name = fleet.provider.dataServer;
  if (!name) return;
  for (;;) {
    const node = (await fleet.provider.listNodes()).find((n) => n.id === name || n.name === name);
    if (!node) throw new Error(`the data server ${name} is not on the provider`);
    if (node.state === state) return;
    await sleep(fleetPollMs, undefined, { signal });
  }
}

export async function runFleetAction(
  cycle: CycleContext,
  { args, variables, log, signal }: ActionContext,
): Promise<void> {
  const fleet = cycle.fleet;
  if (!fleet)
    throw new Error(
      "this server runs no fleet: configure the `fleet` section (provider local or cloudsigma)",
    );
  const environment = fleet.config.fleet.environment;
  const key = cycleKey(cycle.settings.producer, cycleBaseTime(variables));
  const compute = async () => (await fleet.store.nodes(environment, key)).filter((n) => n.role === "compute");
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
}
