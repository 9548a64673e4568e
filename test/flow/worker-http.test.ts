// A worker that reaches the flow engine through the control server's API (`cloudburst worker --server
// URL --token T`), not PostgreSQL: it takes jobs, runs an action and a script whose child commands go
// through the API, and its output lands in the task log.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { showTree, taskOutput } from "../../src/flow/engine/queries.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { allComplete, transitions, waitUntil } from "./engine-helpers.ts";
import { type ApiWorker, startApiWorker } from "./fixtures/api-worker.ts";

describe("flow engine: a worker connected through the control server's API", () => {
  let db: TestDatabase;
  let engine: TestEngine;
  let api: ApiWorker;
  const home = tempDir("cb-http-");

  before(async () => {
    db = await createTestDatabase();
    mkdirSync(join(home, "web"), { recursive: true });
    writeFileSync(
      join(home, "web", "script.ecf"),
      "cloudburst child init\necho from the script\ncloudburst child meter progress 5\ncloudburst child event half\ncloudburst child complete\n",
    );
    await loadSuites(
      db.pool,
      [
        "suite web",
        `  edit ECF_HOME "${home}"`,
        "  task act",
        '    edit CB_ACTION "sleep 0.2"',
        "  task script",
        "    trigger act == complete",
        "    event half",
        "    meter progress 0 10 10",
        "endsuite",
        "",
      ].join("\n"),
      "web.def",
      { actor: "test" },
    );
    engine = await startTestEngine(db, {
      tickMs: 1000,
      controlConcurrency: 0,
    });
    // No DATABASE_URL: this worker only knows the server.
    api = await startApiWorker(db, "remote-worker");
  });

  after(async () => {
    await api?.close();
    await engine?.stop();
    await db?.drop();
  });

  it("runs the suite to the end with reports and output through the API", async () => {
    await beginSuite(db.pool, "web", "test");
    await waitUntil("all complete", () => allComplete(db.pool, "web"), 60_000);
    const script = await transitions(db.pool, "/web/script");
    assert.deepEqual(
      script.map((t) => `${t.to} by ${t.actor}`),
      ["submitted by engine", "active by remote-worker", "complete by remote-worker"],
    );
    const [node] = await showTree(db.pool, "/web/script");
    assert.equal(node!.meters["progress"], 5);
    assert.equal(node!.events["half"], true);
    const output = await taskOutput(db.pool, "/web/script");
    assert.ok(
      output.lines.some((l) => l.line === "from the script"),
      JSON.stringify(output.lines),
    );
  });

  it("refuses a worker without a token", async () => {
    const response = await api.app.inject({
      method: "POST",
      url: "/api/worker/fetch",
      payload: { queue: "compute", max: 1 },
    });
    assert.equal(response.statusCode, 401);
  });
});
