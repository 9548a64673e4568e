// The flow engine end to end on real PostgreSQL and pg-boss: a suite with triggers, events, meters,
// labels, a family trigger, built-in actions, a pre-processed shell script reporting through
// `cloudburst child`, a retry within ECF_TRIES, and a `control`-queue task run in the server — all run
// by a real `cloudburst worker` process.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { nodeHistory, showTree, taskOutput, whyNode } from "../../src/flow/engine/queries.ts";
import { spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { allComplete, taskStates, transitions, waitUntil } from "./engine-helpers.ts";

describe("flow engine: a suite runs to completion on a real worker", () => {
  let db: TestDatabase;
  let engine: TestEngine;
  let worker: ChildProcess;
  const home = tempDir("cb-ecf-");

  before(async () => {
    db = await createTestDatabase();
    mkdirSync(join(home, "include"), { recursive: true });
    mkdirSync(join(home, "run", "work"), { recursive: true });
    writeFileSync(
      join(home, "include", "head.h"),
      '#!/bin/bash\nset -eu\ncloudburst child init\necho "head: %ECF_NAME% try %ECF_TRYNO%"\n',
    );
    writeFileSync(join(home, "include", "tail.h"), "cloudburst child complete\n");
    writeFileSync(
      join(home, "run", "work", "script.ecf"),
      [
        "%include <head.h>",
        "%comment",
        "this line is dropped",
        "%end",
        'echo "greeting=%GREETING% step=%STEP:none% percent=100%%"',
        "cloudburst child event made",
        "cloudburst child meter progress 7",
        "cloudburst child label status all good here",
        "echo to-stderr >&2",
        "%include <tail.h>",
        "",
      ].join("\n"),
    );
    const def = [
      "suite run",
      `  edit ECF_HOME "${home}"`,
      `  edit ECF_INCLUDE "${home}/include"`,
      '  edit CB_ACTION "noop"',
      "  family prepare",
      "    task first",
      "    task flaky",
      '      edit CB_ACTION "fail first try fails on purpose"',
      "      edit FAIL_UNTIL_TRY 2",
      "      trigger first == complete",
      "    task in_server",
      '      edit CB_QUEUE "control"',
      "  endfamily",
      "  family work",
      "    trigger prepare == complete",
      "    task script",
      '      edit CB_ACTION ""',
      '      edit GREETING "hello"',
      "      event made",
      "      meter progress 0 10 10",
      '      label status ""',
      "    task after_event",
      "      trigger script:made",
      "    task after_meter",
      "      trigger script:progress ge 7",
      "  endfamily",
      "endsuite",
      "",
    ].join("\n");
    await loadSuites(db.pool, def, "run.def", { actor: "test" });
    engine = await startTestEngine(db, { tickMs: 1000 });
    worker = spawnCli(["worker", "--concurrency", "2", "--name", "worker-a"], {
      env: { DATABASE_URL: db.url },
    });
    await waitForOutput(worker, /worker worker-a ready/);
  });

  after(async () => {
    if (worker) await stopChild(worker);
    await engine?.stop();
    await db?.drop();
  });

  it("keeps nodes unknown until begin, and says why", async () => {
    const states = await taskStates(db.pool, "run");
    assert.ok(Object.values(states).every((s) => s === "unknown"));
    const reasons = await whyNode(db.pool, "/run/prepare/first");
    assert.match(reasons.join("\n"), /not begun|unknown/);
  });

  it("runs every task once the suite begins", async () => {
    await beginSuite(db.pool, "run", "test");
    await waitUntil("all tasks complete", () => allComplete(db.pool, "run"), 90_000);
    const tree = await showTree(db.pool, "/run");
    assert.equal(tree.find((n) => n.path === "/run")?.state, "complete");
    assert.equal(tree.find((n) => n.path === "/run/work")?.state, "complete");
  });

  it("ran the script with variables, includes and %% substituted, and recorded its child events", async () => {
    const tree = await showTree(db.pool, "/run/work/script");
    const script = tree[0]!;
    assert.equal(script.events["made"], true);
    assert.equal(script.meters["progress"], 7);
    assert.equal(script.labels["status"], "all good here");
    const output = await taskOutput(db.pool, "/run/work/script");
    const lines = output.lines.map((l) => `${l.stream}:${l.line}`);
    assert.ok(lines.includes("stdout:head: /run/work/script try 1"), lines.join("\n"));
    assert.ok(lines.includes("stdout:greeting=hello step=none percent=100%"), lines.join("\n"));
    assert.ok(lines.includes("stderr:to-stderr"), lines.join("\n"));
    assert.ok(!lines.some((l) => l.includes("dropped")));
  });

  it("retried the flaky task within ECF_TRIES and the history says why", async () => {
    const flaky = await transitions(db.pool, "/run/prepare/flaky");
    assert.deepEqual(
      flaky.map((t) => `${t.to}@${t.tryNo}`),
      ["submitted@1", "active@1", "aborted@1", "submitted@2", "active@2", "complete@2"],
    );
    assert.match(flaky[2]!.detail ?? "", /first try fails on purpose/);
    assert.match(flaky[3]!.detail ?? "", /retry 2 of 2/);
    assert.equal(flaky[1]!.actor, "worker-a");
  });

  it("ran the control-queue task inside the server, the others on the worker", async () => {
    const inServer = await transitions(db.pool, "/run/prepare/in_server");
    assert.match(inServer.find((t) => t.to === "active")!.actor, /^control-server/);
    const history = await nodeHistory(db.pool, "/run/prepare/in_server");
    assert.ok(history.some((h) => /queue control/.test(h.detail ?? "")));
  });

  it("ran each task's try exactly once", async () => {
    const result = await db.pool.query<{ path: string; try_no: number; n: string }>(
      `select h.path, h.try_no, count(*) as n from flow_history h
         join flow_node n on n.suite_id = h.suite_id and n.path = h.path and n.kind = 'task'
        where h.to_state = 'active' group by h.path, h.try_no having count(*) > 1`,
    );
    assert.deepEqual(result.rows, []);
  });
});
