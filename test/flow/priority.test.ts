// CB_PRIORITY: of the jobs waiting in one queue, a worker takes those of a higher priority first,
// whatever their order in the definition (the cycle suite queues a step's heaviest product first).
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { nodeHistory } from "../../src/flow/engine/queries.ts";
import { spawnCli, stopChild, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { allComplete, taskStates, waitUntil } from "./engine-helpers.ts";

describe("flow engine: CB_PRIORITY", () => {
  let db: TestDatabase;
  let engine: TestEngine;
  let worker: ChildProcess | undefined;

  before(async () => {
    db = await createTestDatabase();
    const def = [
      "suite ranked",
      '  edit CB_ACTION "noop"',
      "  family step",
      "    task light",
      "      edit CB_PRIORITY 1",
      "    task plain",
      "    task heavy",
      "      edit CB_PRIORITY 4",
      "    task medium",
      "      edit CB_PRIORITY 2",
      "  endfamily",
      "endsuite",
      "",
    ].join("\n");
    await loadSuites(db.pool, def, "ranked.def", { actor: "test" });
    engine = await startTestEngine(db, { tickMs: 500 });
  });

  after(async () => {
    if (worker) await stopChild(worker);
    await engine?.stop();
    await db?.drop();
  });

  it("a worker takes the waiting jobs highest priority first", async () => {
    await beginSuite(db.pool, "ranked", "test");
    // All four wait in the queue before any worker exists, so the order is the queue's alone.
    await waitUntil("every task submitted", async () => {
      const states = Object.values(await taskStates(db.pool, "ranked"));
      return states.length === 4 && states.every((s) => s === "submitted");
    });
    worker = spawnCli(["worker", "--concurrency", "1", "--name", "worker-one"], {
      env: { DATABASE_URL: db.url },
    });
    await waitForOutput(worker, /worker worker-one ready/);
    await waitUntil("every task complete", () => allComplete(db.pool, "ranked"));
    const started = (await nodeHistory(db.pool, "/ranked/step", 100))
      .filter((h) => h.toState === "active" && h.path !== "/ranked/step")
      .map((h) => h.path.split("/").pop());
    assert.deepEqual(started, ["heavy", "medium", "light", "plain"]);
  });
});
