// Every fleet state has a way out (issue 17): a node request whose answer was lost (the process died
// between the request row and the provider's answer, or the create failed before it named a node) is
// adopted or given up on the next pass; teardown leaves nothing waiting; costs and leaks tell the truth;
// tags go with their last resource; anything stuck too long raises an alert. Against the CloudSigma
// simulator and a real PostgreSQL.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { leakCheck } from "../../src/fleet/leaks.ts";
import { cycleCosts } from "../../src/fleet/money.ts";
import { tagKeys } from "../../src/fleet/provider.ts";
import { resolveRequests } from "../../src/fleet/requests.ts";
import type { FleetStore, NodeRow } from "../../src/fleet/store.ts";
import { startCloudSigmaSimulator } from "../../src/sim/cloudsigma/index.ts";
import { simController, simFleetConfig, simulatorAndDatabase } from "./helpers.ts";

const world = simulatorAndDatabase();

const soon = () => new Date(Date.now() + 5_000);

/** Request rows as the controller writes them before it asks the provider, whose answer is then lost. */
async function lostRequests(store: FleetStore, environment: string, cycle: string, count: number) {
  for (let i = 0; i < count; i++) {
    await store.addNode(store.pool, {
      environment,
      cycle,
      role: "compute",
      provider: "cloudsigma",
      name: `cb-${environment}-${cycle}-pending-lost000${i}`,
      price: { perHour: 0.1, currency: "EUR" },
    });
  }
}

const live = async (store: FleetStore, environment: string) =>
  (await store.nodes(environment)).filter((r) => r.goneAt === null);

/** Our tags left on the simulated account (named cloudburst-env=ENV or cloudburst-cycle=CYCLE). */
function tagsOf(environment: string, cycle: string): string[] {
  return Object.values(world.sim.state.data.tags)
    .map((t) => t.name)
    .filter((n) => n === `${tagKeys.environment}=${environment}` || n === `${tagKeys.cycle}=${cycle}`);
}

describe("requests whose answer was lost", () => {
  test("given up when no node was made: billed as nothing, and teardown leaves nothing waiting", async () => {
    const config = simFleetConfig("lost1");
    const { store, controller } = simController(world.sim, world.db.pool, config);
    await store.planCycle("lost1", "c1", soon(), 2);
    await lostRequests(store, "lost1", "c1", 2);
    const up = await controller.reconcile();
    assert.equal(up.created.length, 2, JSON.stringify(up));
    const rows = await store.nodes("lost1");
    const lost = rows.filter((r) => r.name.includes("-pending-lost"));
    assert.deepEqual(
      lost.map((r) => [r.state, r.goneAt !== null, r.providerId]),
      [
        ["failed", true, null],
        ["failed", true, null],
      ],
    );
    const [cost] = await cycleCosts(store, "lost1", config);
    assert.equal(cost?.live, 2, "only the two nodes the provider made are live");
    assert.equal(cost?.nodes, 4);

    await store.setCycleState("lost1", "c1", "cancelled");
    await controller.reconcile();
    assert.deepEqual(await live(store, "lost1"), [], "fleet down waits on no row");
    const after = (await cycleCosts(store, "lost1", config))[0]!;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await cycleCosts(store, "lost1", config))[0]!.nodeSeconds, after.nodeSeconds);
  });

  test("adopted when the provider made their nodes: nothing is made twice", async () => {
    const config = simFleetConfig("lost2");
    const { provider, store, controller } = simController(world.sim, world.db.pool, config);
    await store.planCycle("lost2", "c1", soon(), 2);
    await lostRequests(store, "lost2", "c1", 2);
    // The process died after the provider made the nodes, before it wrote their ids.
    const made = await provider.createNodes({
      count: 2,
      namePrefix: "cb-lost2-c1",
      tags: { [tagKeys.environment]: "lost2", [tagKeys.cycle]: "c1", [tagKeys.role]: "compute" },
      userData: "",
    });
    const ids = made.map((o) => (o.ok ? o.node.id : assert.fail(o.error.message))).sort();
    const report = await controller.reconcile();
    assert.equal(report.created.length, 0, JSON.stringify(report));
    assert.equal((await provider.listNodes({ [tagKeys.environment]: "lost2" })).length, 2);
    const rows = await live(store, "lost2");
    assert.deepEqual(rows.map((r) => r.providerId).sort(), ids, "the two requests own the two nodes");
    assert.ok(rows.every((r) => r.state === "ready" && r.name.startsWith("cb-lost2-c1-")));
    const leaks = await leakCheck(provider, store, config);
    assert.equal(leaks.orphans, 0);
    await store.setCycleState("lost2", "c1", "cancelled");
    await controller.reconcile();
    assert.deepEqual(await live(store, "lost2"), []);
  });

  test("a create that fails before naming a node fails its requests, with the reason", async () => {
    const config = simFleetConfig("lost3");
    const { provider, store, controller } = simController(world.sim, world.db.pool, config);
    // Every tag creation answers 503: the batch cannot be tagged, so no node can be made.
    world.sim.state.setFaults(
      { errors503: { rate: 1, burst: 1, methods: ["POST"], path: "^/tags/$" } },
      world.sim.state.now(),
      false,
    );
    try {
      await store.planCycle("lost3", "c1", soon(), 2);
      const report = await controller.reconcile();
      assert.equal(report.failed.length, 2, JSON.stringify(report));
      assert.match(report.failed[0]!, /a node for c1: .*POST \/tags\/.* 503/);
      assert.deepEqual(await live(store, "lost3"), [], "no request left waiting for an answer");
      assert.deepEqual(await provider.listNodes({ [tagKeys.environment]: "lost3" }), []);
    } finally {
      world.sim.state.setFaults({}, world.sim.state.now(), false);
    }
    await store.setCycleState("lost3", "c1", "cancelled");
    const down = await controller.reconcile();
    assert.deepEqual(down.errors, []);
  });

  test("costs and leaks say what a request without an answer is, before any pass resolves it", async () => {
    const config = simFleetConfig("lost4");
    const { store } = simController(world.sim, world.db.pool, config);
    await store.planCycle("lost4", "c1", soon(), 1);
    await lostRequests(store, "lost4", "c1", 1);
    const [cost] = await cycleCosts(store, "lost4", config);
    assert.deepEqual([cost?.live, cost?.pending, cost?.nodeSeconds], [0, 1, 0]);
    const { provider } = simController(world.sim, world.db.pool, config);
    const leaks = await leakCheck(provider, store, config);
    assert.deepEqual(
      leaks.unresolved.map((r) => r.name),
      ["cb-lost4-c1-pending-lost0000"],
    );
  });

  test("matching: by cycle tag, or by name while a clone is not yet tagged; data nodes never", () => {
    const row = (id: number, cycle: string): NodeRow => ({
      id,
      environment: "e",
      cycle,
      role: "compute",
      provider: "p",
      providerId: null,
      name: `cb-e-${cycle}-pending-${id}`,
      state: "creating",
      requestedAt: new Date(),
      readyAt: null,
      goneAt: null,
      pricePerHour: null,
      currency: null,
      error: null,
      vlanAddress: null,
      workerSeenAt: null,
    });
    const tagged = { id: "a", name: "cb-e-c1-0-x", tags: { [tagKeys.cycle]: "c1" } };
    const untagged = { id: "b", name: "cb-e-c2-0-y", tags: {} };
    const data = { id: "c", name: "cb-e-c1-1-z", tags: { [tagKeys.cycle]: "c1", [tagKeys.role]: "data" } };
    const known = { id: "d", name: "cb-e-c1-2-w", tags: { [tagKeys.cycle]: "c1" } };
    const stray = { id: "f", name: "cb-e-c9-0-v", tags: { [tagKeys.cycle]: "c9" } };
    const result = resolveRequests(
      [row(1, "c1"), row(2, "c2"), row(3, "c1")],
      [tagged, untagged, data, known, stray],
      new Set(["d"]),
    );
    assert.deepEqual(
      result.adopt.map(({ row: r, node }) => [r.id, node.id]),
      [
        [1, "a"],
        [2, "b"],
      ],
    );
    assert.deepEqual(
      result.giveUp.map((r) => r.id),
      [3],
    );
    assert.deepEqual(
      result.found.map((n) => n.id),
      ["f"],
    );
  });
});

describe("tags", () => {
  test("go with the last resource they tagged: none left after three cycles", async () => {
    const config = simFleetConfig("tagged");
    const { store, controller } = simController(world.sim, world.db.pool, config);
    for (const cycle of ["t1", "t2", "t3"]) {
      await store.planCycle("tagged", cycle, soon(), 2);
      const up = await controller.reconcile();
      assert.equal(up.created.length, 2, JSON.stringify(up));
      assert.equal(tagsOf("tagged", cycle).length, 2, "the environment's and the cycle's tag");
      await store.setCycleState("tagged", cycle, "delivered");
      const down = await controller.reconcile();
      assert.equal(down.destroyed.length, 2, JSON.stringify(down));
      assert.deepEqual(tagsOf("tagged", cycle), [], `no empty tag after ${cycle}`);
    }
  });
});

describe("stuck", () => {
  test("a node that never runs is alerted and replaced after fleet.stuckSeconds", async () => {
    // Starting takes 1000 simulated seconds (10 s here); the provider waits 0.3 s for it.
    const slow = await startCloudSigmaSimulator({
      timeScale: 0.01,
      launchGuests: false,
      stateFile: null,
      latency: { fast: [1000, 1000], shares: { clone: 0.001, start: 1, boot: 0.001 } },
    });
    try {
      const config = simFleetConfig("stuck1", {
        stuckSeconds: 0.5,
        cloudsigma: { startTimeoutSeconds: 0.3 },
      });
      const { provider, store, controller, channel } = simController(slow, world.db.pool, config);
      await store.planCycle("stuck1", "c1", soon(), 1);
      const first = await controller.reconcile();
      assert.equal(first.failed.length, 1, JSON.stringify(first));
      const [row] = await live(store, "stuck1");
      assert.ok(row?.providerId, "the failed create names the server it made: it still bills");
      await new Promise((r) => setTimeout(r, 600));
      const second = await controller.reconcile();
      assert.ok(second.destroyed.includes(row.name), JSON.stringify(second));
      const alert = channel.alerts.find((a) => a.key.includes(":stuck:never-ran:"));
      assert.ok(alert, JSON.stringify(channel.alerts.map((a) => a.key)));
      assert.match(alert.text, /starting .* after it was asked for/);
      await store.setCycleState("stuck1", "c1", "cancelled");
      await controller.reconcile();
      assert.deepEqual(await provider.listNodes({ [tagKeys.environment]: "stuck1" }), []);
    } finally {
      await slow.stop();
    }
  });

  test("a node that cannot be destroyed raises a critical alert after fleet.stuckSeconds", async () => {
    const config = simFleetConfig("stuck2", { stuckSeconds: 0.3 });
    const { store, controller, channel, log } = simController(world.sim, world.db.pool, config);
    await store.planCycle("stuck2", "c1", soon(), 1);
    assert.equal((await controller.reconcile()).created.length, 1);
    await store.setCycleState("stuck2", "c1", "delivered");
    world.sim.state.setFaults(
      { errors503: { rate: 1, burst: 1, methods: ["DELETE"], path: "^/servers/" } },
      world.sim.state.now(),
      false,
    );
    try {
      const first = await controller.reconcile();
      assert.match(first.errors.join("\n"), /destroy cb-stuck2-c1-.*DELETE .* 503/);
      assert.ok(!channel.alerts.some((a) => a.key.includes(":stuck:release:")));
      await new Promise((r) => setTimeout(r, 400));
      await controller.reconcile();
      const alert = channel.alerts.find((a) => a.key.includes(":stuck:release:"));
      assert.equal(alert?.severity, "critical");
      assert.ok(log.lines.some((l) => l.level === "error" && l.message === alert?.title));
    } finally {
      world.sim.state.setFaults({}, world.sim.state.now(), false);
    }
    const last = await controller.reconcile();
    assert.equal(last.destroyed.length, 1, JSON.stringify(last));
  });
});
