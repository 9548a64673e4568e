// A cloud node whose worker is gone (it exited, or never started) runs on at the provider and counted
// as ready for good, so its cycle waited for ever (issue 17, the fault harness's provider kills). Its
// worker's calls of the worker protocol are now noted; a ready node silent for
// fleet.workerSilenceSeconds is released with an alert, destroyed and replaced, while a node whose
// worker calls stays. The CloudSigma simulator without guests (VMs run, nothing inside), a real
// PostgreSQL, the real worker protocol's routes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fetch } from "undici";
import { createNodeToken } from "../../src/auth/tokens.ts";
import { releaseVersion } from "../../src/system/version.ts";
import { startWorkerServer } from "../helpers/worker-server.ts";
import { simController, simFleetConfig, simulatorAndDatabase } from "./helpers.ts";

const world = simulatorAndDatabase();

test("a running node whose worker is silent is released, destroyed and replaced; one whose worker calls stays", async () => {
  const config = simFleetConfig("silent", { workerSilenceSeconds: 2, reconcileIntervalSeconds: 3600 });
  const { store, controller, channel } = simController(world.sim, world.db.pool, config);
  const dataRole = await startWorkerServer(world.db);
  try {
    await store.planCycle("silent", "c1", new Date(), 2);
    const up = await controller.reconcile();
    assert.equal(up.created.length, 2, JSON.stringify(up));
    const [calling, silent] = (await store.nodes("silent", "c1")).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    // One node's worker calls the worker protocol with its own token, as a live worker does.
    const token = await createNodeToken(world.db.pool, {
      node: calling!.name,
      cycle: "c1",
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const call = async () => {
      const hello = await fetch(`${dataRole.url}/api/worker/hello`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ version: releaseVersion(), node: calling!.name }),
      });
      assert.equal(hello.status, 200, await hello.text());
    };
    // Calls 1.2 s apart over the 2-s bound: each is noted (at most once a second a node).
    for (let i = 0; i < 3; i++) {
      await call();
      await new Promise((resolve) => setTimeout(resolve, 1200));
    }

    await controller.reconcile();
    const after = new Map((await store.nodes("silent", "c1")).map((n) => [n.name, n]));
    assert.equal(after.get(calling!.name)?.state, "ready", "the node whose worker calls stays");
    assert.ok(after.get(calling!.name)?.workerSeenAt, "its worker's calls are noted");
    const released = after.get(silent!.name);
    assert.ok(
      released?.state === "destroying" || released?.state === "destroyed",
      `the silent node is released: ${released?.state}`,
    );
    assert.match(released!.error ?? "", /its worker has not called the worker protocol since it ran/);
    assert.ok(
      channel.alerts.some((a) => a.title.includes(`node ${silent!.name} runs without a worker`)),
      "an alert says so",
    );

    // The passes after destroy it and give the cycle its second node again.
    for (let i = 0; i < 5; i++) {
      await controller.reconcile();
      const live = (await store.nodes("silent", "c1")).filter((n) => n.state !== "destroyed");
      if (live.length === 2 && !live.some((n) => n.name === silent!.name)) break;
    }
    const live = (await store.nodes("silent", "c1")).filter((n) => n.state !== "destroyed");
    assert.equal(live.length, 2, JSON.stringify(live.map((n) => [n.name, n.state])));
    assert.ok(!live.some((n) => n.name === silent!.name), "the silent node is gone");
    assert.ok(
      !world.sim.state.servers.list().some((s) => s.name === silent!.name),
      "the provider no longer has it",
    );
  } finally {
    await dataRole.close();
  }
});
