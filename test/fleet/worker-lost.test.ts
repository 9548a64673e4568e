// A worker whose process the fleet saw die is reported at once (issue 17): the local provider sees the
// process exit, the fleet marks its node stopped and announces it on WORKER_LOST_CHANNEL, and the flow
// engine aborts the task the worker was running within seconds, long before its 60-s heartbeat would
// have run out; ECF_TRIES retries it. Real workers, a real flow engine, a real PostgreSQL.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fleetConfigSchema } from "../../src/fleet/config.ts";
import { FleetController } from "../../src/fleet/controller.ts";
import { LocalProvider } from "../../src/fleet/local/provider.ts";
import { tagKeys } from "../../src/fleet/provider.ts";
import { FleetStore } from "../../src/fleet/store.ts";
import { beginSuite } from "../../src/flow/engine/commands.ts";
import { taskStates, transitions, waitUntil } from "../flow/engine-helpers.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { loadLongTaskSuite, startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { startWorkerServer } from "../helpers/worker-server.ts";
import { MemoryLog } from "./helpers.ts";

let db: TestDatabase;
let engine: TestEngine;
before(async () => {
  db = await createTestDatabase();
  await loadLongTaskSuite(db.pool, "lost");
  engine = await startTestEngine(db, {
    tickMs: 1000,
    controlConcurrency: 0,
  });
});
after(async () => {
  await engine?.stop();
  await db?.drop();
});

test("the task of a worker the fleet saw die is aborted at once and retried", async () => {
  const config = fleetConfigSchema.parse({ environment: "wlost" });
  const provider = new LocalProvider({ config: config.local, stateDir: tempDir("cb-fleet-wlost-") });
  const store = new FleetStore(db.pool);
  const log = new MemoryLog();
  const dataRole = await startWorkerServer(db);
  const controller = new FleetController({
    provider,
    store,
    config,
    workerAccess: () => ({ serverUrl: dataRole.url, fingerprint: null }),
    log,
  });
  try {
    await store.planCycle("wlost", "c1", new Date(), 1);
    const up = await controller.reconcile();
    assert.equal(up.created.length, 1, JSON.stringify(up));
    const [node] = await provider.listNodes({ [tagKeys.environment]: "wlost" });
    await beginSuite(db.pool, "lost", "test");
    await waitUntil(
      "the task active on the fleet's worker",
      async () => (await taskStates(db.pool, "lost"))["/lost/long"] === "active",
    );
    const active = (await transitions(db.pool, "/lost/long")).find((t) => t.to === "active");
    assert.equal(active?.actor, node!.name, "the worker is named after its node");

    const pid = Number(/pid (\d+)/.exec(node!.providerState)?.[1]);
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    const aborted = await waitUntil(
      "the task aborted",
      async () => (await transitions(db.pool, "/lost/long")).find((t) => t.to === "aborted"),
      30_000,
    );
    const noticedMs = Date.now() - killedAt;
    assert.ok(noticedMs < 10_000, `noticed after ${noticedMs} ms (the heartbeat is 60 s)`);
    assert.match(aborted.detail ?? "", new RegExp(`its worker ${node!.name} is gone .*killed by SIGKILL`));
    const [row] = (await store.nodes("wlost")).filter((r) => r.providerId === node!.id);
    assert.equal(row?.state, "stopped");
    assert.ok(log.lines.some((l) => l.level === "warn" && l.message === "a compute node's worker died"));
    await waitUntil("the retry submitted", async () =>
      (await transitions(db.pool, "/lost/long")).some((t) => t.to === "submitted" && t.tryNo === 2),
    );
  } finally {
    await store.setCycleState("wlost", "c1", "cancelled");
    await controller.reconcile();
    controller.close();
    await dataRole.close();
  }
  assert.deepEqual(await provider.listNodes({ [tagKeys.environment]: "wlost" }), []);
});
