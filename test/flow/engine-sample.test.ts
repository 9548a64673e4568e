// The cycle suite in ../shared/data/ecflow-sample.def (a definition real ecFlow accepts) loaded and run
// to the end by the engine and a real worker: externs, a family trigger on an event, a meter in a
// trigger, a 91-step integer repeat, limits with tokens, defstatus, a complete expression. Every task
// plays its part with the built-in `simulate` action (sets its events, runs its meters to the maximum).
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { beginSuite, freeDependencies, loadSuites, setVariable } from "../../src/flow/engine/commands.ts";
import { projectRoot, spawnCli, stopChild, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { transitions, waitUntil } from "./engine-helpers.ts";

const sample = join(projectRoot, "../shared/data/ecflow-sample.def");

describe("flow engine: the shared ecFlow sample suite runs to the end", () => {
  let db: TestDatabase;
  let engine: TestEngine;
  let worker: ChildProcess;

  before(async () => {
    db = await createTestDatabase();
    await loadSuites(db.pool, readFileSync(sample, "utf8"), sample, { actor: "test" });
    engine = await startTestEngine(db, {
      tickMs: 1000,
      controlConcurrency: 0,
    });
    worker = spawnCli(["worker", "--concurrency", "4", "--name", "sample-worker"], {
      env: { DATABASE_URL: db.url },
    });
    await waitForOutput(worker, /ready/);
  });

  after(async () => {
    if (worker) await stopChild(worker);
    await engine?.stop();
    await db?.drop();
  });

  it("runs every task, the repeat through all 91 steps, and the finish family in order", async () => {
    await setVariable(db.pool, "/cycle_00", "CB_ACTION", "simulate", "test");
    await beginSuite(db.pool, "cycle_00", "test");
    // The suite's cron (05:35) must not make the test depend on the time of day.
    await freeDependencies(db.pool, "/cycle_00", { trigger: false, time: true }, "test");
    await waitUntil(
      "stop_data_server complete",
      async () =>
        (await transitions(db.pool, "/cycle_00/finish/stop_data_server")).some((t) => t.to === "complete"),
      120_000,
    );
    const products = await transitions(db.pool, "/cycle_00/process/products");
    assert.equal(products.filter((t) => t.to === "complete").length, 91, "one run per repeat step 0..90");
    const steps = products.filter((t) => /repeat STEP moves on to/.test(t.detail ?? "")).map((t) => t.detail);
    assert.equal(steps.length, 90, "requeued for steps 1..90");
    assert.match(steps.at(-1)!, /moves on to 90$/);
    const order = await db.pool.query<{ path: string }>(
      `select path from flow_history where to_state = 'complete' and path like '/cycle_00/finish/%' order by id`,
    );
    assert.deepEqual(
      order.rows.map((r) => r.path),
      ["/cycle_00/finish/destroy_compute", "/cycle_00/finish/deliver", "/cycle_00/finish/stop_data_server"],
    );
    // (The suite's cron then queues it all again for tomorrow's 05:35, so the reports are read from the history.)
    const reports = await db.pool.query<{ kind: string; detail: string }>(
      "select kind, detail from flow_history where path = '/cycle_00/start/provision' and kind in ('event', 'meter') order by id",
    );
    assert.deepEqual(
      reports.rows.map((r) => `${r.kind} ${r.detail}`),
      ["meter ready = 16", "event nodes_ready = true"],
    );
  });
});
