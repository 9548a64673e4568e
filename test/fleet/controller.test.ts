// The fleet controller with the local provider (real processes) and a real PostgreSQL: desired state
// per cycle, the operator's N, orphans, costs, the funds check, and the learned lead time.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Alerter } from "../../src/alerts/alerts.ts";
import { alertsConfigSchema } from "../../src/alerts/config.ts";
import type { ComputeDemand } from "../../src/fleet/autoscale.ts";
import { fleetConfigSchema } from "../../src/fleet/config.ts";
import { type CycleDemand, FleetController } from "../../src/fleet/controller.ts";
import { leadTimeFor, percentile } from "../../src/fleet/leadtime.ts";
import { LocalProvider } from "../../src/fleet/local/provider.ts";
import { cycleCosts } from "../../src/fleet/money.ts";
import { desiredState } from "../../src/fleet/plan.ts";
import { tagKeys } from "../../src/fleet/provider.ts";
import { FleetStore } from "../../src/fleet/store.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { MemoryChannel } from "./helpers.ts";

const idle = ["node", "-e", "setInterval(() => {}, 1000)", "--"];

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase();
});
after(async () => {
  await db.drop();
});

/** A cycle's demand: no jobs queued, running or waiting for data, nothing known ahead, but for `partial`. */
function demandOf(partial: Partial<ComputeDemand>): ComputeDemand {
  return {
    queued: 0,
    running: 0,
    oldestQueuedSeconds: 0,
    waitingForData: 0,
    nextWorkAt: null,
    nextWorkJobs: null,
    paceSeconds: null,
    jobSeconds: null,
    wholeStepTimed: true,
    ...partial,
  };
}

function setup(options: {
  environment: string;
  now: () => Date;
  balance?: number;
  price?: number;
  demand?: CycleDemand;
  reconcileIntervalSeconds?: number;
}) {
  const config = fleetConfigSchema.parse({
    environment: options.environment,
    reconcileIntervalSeconds: options.reconcileIntervalSeconds ?? 15,
    nodePricePerHour: options.price ?? 0.36,
    leadTime: { defaultSeconds: 120, marginSeconds: 5, minSamples: 3 },
    // An idle process prints no ready line: it is ready as soon as it runs.
    local: { command: idle, readyText: "" },
  });
  const provider = new LocalProvider({
    config: config.local,
    stateDir: tempDir("cb-fleet-local-"),
    stopGraceMs: 2000,
  });
  if (options.balance !== undefined) {
    const amount = options.balance;
    provider.capabilities.balance = true;
    provider.balance = async () => ({ amount, currency: "EUR" });
  }
  const channel = new MemoryChannel();
  const alerter = new Alerter(
    alertsConfigSchema.parse({ runbooks: { "402": "https://wiki.example/402" } }),
    [channel],
    db.pool,
  );
  const store = new FleetStore(db.pool);
  const controller = new FleetController({
    provider,
    store,
    config,
    alerter,
    workerAccess: () => ({ serverUrl: "http://127.0.0.1:9", fingerprint: null }),
    now: options.now,
    demand: options.demand,
  });
  return { config, provider, store, controller, channel };
}

describe("pure parts", () => {
  test("desired state: data server from T-5 min, N compute nodes from T-lead until processed", () => {
    const dataAt = new Date("2026-11-24T05:45:00Z");
    const cycle = {
      environment: "e",
      cycle: "2026-11-24T00Z",
      dataAt,
      computeNodes: 4,
      state: "planned" as const,
      processedAt: null,
      deliveredAt: null,
      refusedReason: null,
    };
    const config = { dataServerLeadSeconds: 300, drainSeconds: 0 };
    const at = (iso: string, state = cycle.state as string) =>
      desiredState([{ ...cycle, state: state as typeof cycle.state }], new Date(iso), () => 60, config)[0]!;
    assert.deepEqual([at("2026-11-24T05:39:00Z").dataServer, at("2026-11-24T05:39:00Z").compute], [false, 0]);
    assert.deepEqual([at("2026-11-24T05:41:00Z").dataServer, at("2026-11-24T05:41:00Z").compute], [true, 0]);
    assert.deepEqual([at("2026-11-24T05:44:00Z").dataServer, at("2026-11-24T05:44:00Z").compute], [true, 4]);
    assert.deepEqual(
      [at("2026-11-24T06:30:00Z", "processed").dataServer, at("2026-11-24T06:30:00Z", "processed").compute],
      [true, 0],
    );
    assert.equal(at("2026-11-24T07:30:00Z", "delivered").dataServer, false);
  });

  test("lead time: default until enough samples, then p95 of the same batch size plus the margin", () => {
    const config = fleetConfigSchema.parse({}).leadTime;
    assert.deepEqual(leadTimeFor(4, [], config), { seconds: 210, source: "default", samples: 0 });
    const small = Array.from({ length: 20 }, (_, i) => ({ batchSize: 4, seconds: 15 + i * 0.75 })); // 15–29.25 s
    const big = Array.from({ length: 20 }, (_, i) => ({ batchSize: 8, seconds: 60 + i })); // 60–79 s
    const four = leadTimeFor(4, [...small, ...big], config);
    assert.equal(four.source, "learned");
    assert.equal(
      four.seconds,
      percentile(
        small.map((s) => s.seconds),
        95,
      ) + 20,
    );
    assert.equal(four.seconds, 28.5 + 20);
    assert.equal(leadTimeFor(8, [...small, ...big], config).seconds, 78 + 20);
    // No measurements of 16 at once: the larger buckets are missing too, so the default holds.
    assert.equal(leadTimeFor(16, [...small, ...big], config).source, "default");
  });
});

describe("reconcile with local worker processes", () => {
  test("brings up N just before data, follows the operator's N, and ends with nothing left", async () => {
    let now = new Date("2026-11-24T05:00:00Z");
    const dataAt = new Date("2026-11-24T05:45:00Z");
    const { provider, store, controller, config } = setup({ environment: "loc1", now: () => now });
    await store.planCycle("loc1", "c00", dataAt, 2);

    let report = await controller.reconcile();
    assert.equal(report.created.length, 0, "too early: the lead time is 120 s");
    now = new Date(dataAt.getTime() - 100_000);
    report = await controller.reconcile();
    assert.equal(report.created.length, 2);
    let nodes = await provider.listNodes({ [tagKeys.environment]: "loc1" });
    assert.equal(nodes.length, 2);
    assert.ok(nodes.every((n) => n.state === "running" && n.tags[tagKeys.cycle] === "c00"));

    await store.setComputeNodes("loc1", "c00", 3);
    assert.equal((await controller.reconcile()).created.length, 1);
    await store.setComputeNodes("loc1", "c00", 1);
    const shrink = await controller.reconcile();
    assert.equal(shrink.destroyed.length, 2, JSON.stringify({ shrink, nodes: await provider.listNodes() }));
    assert.equal((await provider.listNodes({ [tagKeys.environment]: "loc1" })).length, 1);

    // An orphan of a crashed run (tagged with a cycle nobody wants) and an untagged clone named like ours.
    await provider.createNodes({
      count: 1,
      namePrefix: "x",
      tags: { [tagKeys.environment]: "loc1", [tagKeys.cycle]: "ghost" },
      userData: "",
    });
    await provider.createNodes({ count: 1, namePrefix: "cb-loc1-crashed", tags: {}, userData: "" });
    report = await controller.reconcile();
    assert.deepEqual(
      report.destroyed.map((n) => n.split("-")[0]).sort(),
      ["cb", "x"],
      JSON.stringify(report),
    );
    nodes = await provider.listNodes();
    assert.equal(nodes.length, 1);

    await store.setCycleState("loc1", "c00", "processed");
    report = await controller.reconcile();
    assert.equal(report.destroyed.length, 1);
    assert.equal((await provider.listNodes()).length, 0);

    const rows = await store.nodes("loc1", "c00");
    assert.equal(rows.length, 3, "2 at first, 1 more when N went to 3");
    assert.ok(rows.every((r) => r.goneAt !== null && r.state === "destroyed"));
    const [cost] = await cycleCosts(store, "loc1", config, now);
    assert.equal(cost?.nodes, 3);
    assert.equal(cost?.live, 0);
    assert.ok(cost!.nodeSeconds > 0);
    assert.ok(Math.abs(cost!.cost - (cost!.nodeSeconds / 3600) * 0.36) < 1e-9);
    // Every provisioning was measured for the lead time.
    assert.equal((await store.samples("local", 100)).length, 3);
  });

  test("refuses, with a 402 alert, a cycle the balance cannot fund", async () => {
    // One second before data: wanted whatever lead time the earlier test's measurements teach.
    const now = new Date("2026-11-24T11:44:59Z");
    // 4 nodes × 0.5 EUR/h × 24 h × 5 days = 240 EUR needed; 100 EUR there.
    const { provider, store, controller, channel } = setup({
      environment: "loc2",
      now: () => now,
      balance: 100,
      price: 0.5,
    });
    await store.planCycle("loc2", "c06", new Date("2026-11-24T11:45:00Z"), 4);
    const report = await controller.reconcile();
    assert.deepEqual(report.refused, ["c06"]);
    assert.equal((await provider.listNodes()).length, 0);
    assert.equal((await store.cycle("loc2", "c06"))?.state, "refused");
    assert.equal(channel.alerts.length, 1);
    const alert = channel.alerts[0]!;
    assert.equal(alert.httpCode, 402);
    assert.match(alert.meaning ?? "", /not enough funds/);
    assert.equal(alert.runbook, "https://wiki.example/402");
    assert.match(alert.text, /240\.00 EUR needed/);
    // The same problem next pass is not a second email.
    await store.setComputeNodes("loc2", "c06", 4);
    await controller.reconcile();
    assert.equal(channel.alerts.length, 1);
    // A smaller N the account can fund goes ahead.
    await store.setComputeNodes("loc2", "c06", 1);
    const smaller = await controller.reconcile();
    assert.equal(smaller.created.length, 1);
    await store.setCycleState("loc2", "c06", "cancelled");
    await controller.reconcile();
    assert.equal((await provider.listNodes()).length, 0);
  });

  test("autoscaling: nodes follow the cycle's backlog up to N and go when the next data is far", async () => {
    let now = new Date("2026-11-24T17:44:00Z");
    let demand = demandOf({ waitingForData: 50, jobSeconds: 60 });
    const { store, controller, provider } = setup({
      environment: "loc3",
      now: () => now,
      demand: async () => demand,
    });
    const compute = async () => (await provider.listNodes()).filter((n) => n.state === "running").length;
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    // N is 4, but the first data is 10 min away: nothing yet.
    await store.planCycle("loc3", "c18", at(600), 4);
    demand = { ...demand, nextWorkAt: at(600) };
    await controller.reconcile();
    assert.equal(await compute(), 0);
    // Data due within the lead time (learned from this database's earlier nodes: about 5 s): one node.
    demand = { ...demand, nextWorkAt: at(2) };
    await controller.reconcile();
    assert.equal(await compute(), 1);
    // A backlog of 3 one-minute jobs is cleared in a minute by 3 nodes...
    demand = { ...demand, queued: 3, nextWorkAt: null };
    assert.equal((await controller.reconcile()).created.length, 2);
    assert.equal(await compute(), 3);
    // ...and 10 need more than N allows: 4.
    demand = { ...demand, queued: 10 };
    await controller.reconcile();
    assert.equal(await compute(), 4);
    // Idle, with the next step 10 min away: every node goes.
    demand = { ...demand, queued: 0, nextWorkAt: at(600) };
    now = at(1);
    assert.equal((await controller.reconcile()).destroyed.length, 4);
    assert.equal(await compute(), 0);
    await store.setCycleState("loc3", "c18", "cancelled");
    await controller.reconcile();
    assert.equal((await provider.listNodes()).length, 0);
  });

  test("autoscaling: when the operator lowers N while jobs run, the idle nodes go, not the busy one", async () => {
    let demand = demandOf({ queued: 3, jobSeconds: 60 });
    const { store, controller, provider } = setup({
      environment: "loc6",
      now: () => new Date(),
      demand: async () => demand,
    });
    await store.planCycle("loc6", "c12", new Date(), 3);
    await controller.reconcile();
    const names = (await provider.listNodes()).map((n) => n.name).sort();
    assert.equal(names.length, 3);
    // The middle one (in name order) runs the only job left; the operator sets N to 1.
    const busy = names[1]!;
    demand = { ...demand, queued: 0, running: 1, busyNodes: [busy] };
    await store.setComputeNodes("loc6", "c12", 1);
    await controller.reconcile();
    assert.deepEqual(
      (await provider.listNodes()).map((n) => n.name),
      [busy],
    );
    await store.setCycleState("loc6", "c12", "cancelled");
    await controller.reconcile();
  });

  test("autoscaling: a rerun after the teardown gets a node (and the data server) until its job is done", async () => {
    let demand = demandOf({ jobSeconds: 1 });
    const { store, controller, provider } = setup({
      environment: "loc5",
      now: () => new Date(),
      demand: async () => demand,
    });
    const compute = async () => (await provider.listNodes()).filter((n) => n.state === "running").length;
    await store.planCycle("loc5", "c00", new Date(), 2);
    await store.setCycleState("loc5", "c00", "delivered");
    assert.equal((await controller.reconcile()).created.length, 0, "a delivered cycle with nothing to do");
    // The operator reruns one product: its job waits in the queue.
    demand = { ...demand, queued: 1, oldestQueuedSeconds: 0.1 };
    const report = await controller.reconcile();
    assert.equal(await compute(), 1);
    assert.deepEqual(
      report.wants.filter((w) => w.cycle === "c00").map((w) => w.dataServer),
      [true],
    );
    demand = { ...demand, queued: 0, running: 1 };
    await controller.reconcile();
    assert.equal(await compute(), 1, "kept while its job runs");
    demand = { ...demand, running: 0 };
    await controller.reconcile();
    assert.equal(await compute(), 0, "released once the rerun is done");
  });

  test("autoscaling: the run loop wakes to start a node one boot before the data, between intervals", async () => {
    const { store, controller, provider, config } = setup({
      environment: "loc4",
      now: () => new Date(),
      reconcileIntervalSeconds: 600,
      demand: async () => demand,
    });
    const boot = leadTimeFor(
      1,
      await store.samples("local", config.leadTime.window),
      config.leadTime,
    ).seconds;
    const demand = demandOf({
      waitingForData: 5,
      // Too far for a node at the first pass; nothing else happens before the data is due.
      nextWorkAt: new Date(Date.now() + (boot + 2) * 1000),
      jobSeconds: 1,
    });
    await store.planCycle("loc4", "c00", new Date(), 1);
    const stop = new AbortController();
    const loop = controller.run(stop.signal);
    try {
      const running = async () => (await provider.listNodes()).some((n) => n.state === "running");
      assert.equal(await running(), false);
      // Without a pass at the review time, the next one would come after the 600 s interval.
      const deadline = demand.nextWorkAt!.getTime() + 5000;
      while (!(await running()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(await running(), "a node was started ahead of the data without waiting for the interval");
    } finally {
      stop.abort();
      await loop;
      await store.setCycleState("loc4", "c00", "cancelled");
      await controller.reconcile();
    }
  });
});
