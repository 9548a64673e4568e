// ecFlow's own task scripts, unchanged, run to completion by cloudburst: the example suite Debian's
// ecflow-client ships (its .def and .ecf scripts with their head.h/tail.h), and scripts written on the
// head.h/tail.h of ecFlow's documentation calling ecflow_client --event, --meter, --label, --wait,
// --queue and, through head.h's ERROR trap, --abort (retried as ECF_TRIES says). The worker reaches
// the engine through the control server's API, and the test reads the nodes as the UI does.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { taskOutput, whyNode } from "../../src/flow/engine/queries.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { allComplete, transitions, waitUntil } from "./engine-helpers.ts";
import { type ApiWorker, startApiWorker } from "./fixtures/api-worker.ts";
import { referenceFile } from "./fixtures/reference.ts";

const DEBIAN = "/usr/share/ecflow/etc";

/** Scripts on the documentation's head.h/tail.h, one per ecflow_client child command. */
const SCRIPTS: Record<string, string> = {
  report: [
    "%include <head.h>",
    "ecflow_client --event=ev",
    "for i in 1 2 3; do ecflow_client --meter=prog $i; done",
    'ecflow_client --label=info "step three done"',
    "%include <tail.h>",
  ].join("\n"),
  waiter: ["%include <head.h>", 'ecflow_client --wait="report == complete"', "%include <tail.h>"].join("\n"),
  flaky: [
    "%include <head.h>",
    'echo "try %ECF_TRYNO% of %ECF_TRIES%"',
    "if [ %ECF_TRYNO% -lt 3 ]; then false; fi",
    "%include <tail.h>",
  ].join("\n"),
  steps: [
    "%include <head.h>",
    "done_steps=",
    "while true; do",
    "  step=$(ecflow_client --queue=steps active)",
    '  if [ "$step" = "<NULL>" ]; then break; fi',
    '  done_steps="$done_steps$step"',
    '  ecflow_client --queue=steps complete "$step"',
    "done",
    'ecflow_client --label=done "$done_steps aborted:$(ecflow_client --queue=steps no_of_aborted)"',
    "%include <tail.h>",
  ].join("\n"),
};

function scriptsSuite(home: string): string {
  return [
    "suite scripts",
    `  edit ECF_HOME '${home}'`,
    `  edit ECF_INCLUDE '${home}/include'`,
    "  family f",
    "    task report",
    "      event ev",
    "      meter prog 0 10 10",
    '      label info ""',
    "    task waiter",
    "    task flaky",
    "      edit ECF_TRIES 3",
    "    task steps",
    "      queue steps a b c",
    '      label done ""',
    "  endfamily",
    "endsuite",
    "",
  ].join("\n");
}

describe("ecFlow's task scripts, unchanged, under cloudburst", () => {
  let db: TestDatabase;
  let engine: TestEngine;
  let api: ApiWorker;
  const home = tempDir("cb-ecf-scripts-");
  const ui = join(home, "ui");

  const node = async (path: string) => {
    const response = await api.app.inject({
      method: "GET",
      url: `/api/suites/node?path=${encodeURIComponent(path)}`,
      headers: { authorization: `Bearer ${api.token}` },
    });
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as Array<Record<string, unknown> & { path: string }>)[0]!;
  };

  const complete = (path: string) =>
    waitUntil(`${path} complete`, async () => (await node(path))["state"] === "complete", 120_000);

  before(async () => {
    db = await createTestDatabase();
    mkdirSync(join(home, "include"), { recursive: true });
    writeFileSync(join(home, "include", "head.h"), referenceFile("head.h"));
    writeFileSync(join(home, "include", "tail.h"), referenceFile("tail.h"));
    mkdirSync(join(home, "scripts", "f"), { recursive: true });
    for (const [name, text] of Object.entries(SCRIPTS))
      writeFileSync(join(home, "scripts", "f", `${name}.ecf`), `${text}\n`);
    // Debian's example: scripts as shipped; the .def's placeholders filled in, SLEEP 0, ECF_NODE (its
    // head.h exports it; ecflow_server 5.9 does not define it either), and no `repeat day` (which would
    // run it again for every next day).
    mkdirSync(ui);
    execFileSync("tar", ["xzf", join(DEBIAN, "ecflow_ui_test_server_scripts.tar.gz"), "-C", ui]);
    const def = readFileSync(join(DEBIAN, "ecflow_ui_test.def"), "utf8")
      .replace("ECF_HOME_PLACEHOLDER", ui)
      .replace("ECF_INCLUDE_PLACEHOLDER", join(ui, "includes"))
      .replace("ECF_FILES_PLACEHOLDER", ui)
      .replace(/edit SLEEP .*/, "edit SLEEP 0\n  edit ECF_NODE 'localhost'")
      .replace(/^ {2}repeat day 1\n/m, "");
    await loadSuites(db.pool, def, "ecflow_ui_test.def", { actor: "test" });
    await loadSuites(db.pool, scriptsSuite(home), "scripts.def", { actor: "test" });
    engine = await startTestEngine(db, { tickMs: 1000, controlConcurrency: 0 });
    api = await startApiWorker(db, "w", ["--concurrency", "4"]);
    await beginSuite(db.pool, "scripts", "test");
    await beginSuite(db.pool, "operation_suite", "test");
  });

  after(async () => {
    await api?.close();
    await engine?.stop();
    await db?.drop();
  });

  it("runs Debian's ecFlow example suite, every task once, with its meters", async () => {
    const tasks = (
      await db.pool.query<{ path: string }>(
        "select path from flow_node where kind = 'task' and path like '/operation_suite/%' order by path",
      )
    ).rows.map((r) => r.path);
    assert.equal(tasks.length, 19);
    // (generous: each ecflow_client call starts a Node process, slow on a busy 2-core machine)
    await waitUntil(
      "the example suite complete",
      () => allComplete(db.pool, "operation_suite"),
      600_000,
    ).catch(async (error) => {
      const waiting = await db.pool.query<{ path: string }>(
        "select path from flow_node where kind = 'task' and state <> 'complete' and path like '/operation_suite/%'",
      );
      const why = await Promise.all(waiting.rows.slice(0, 3).map((r) => whyNode(db.pool, r.path)));
      throw new Error(`${String(error)}; still waiting: ${why.flat().join("; ")}`);
    });
    for (const t of tasks) {
      const states = (await transitions(db.pool, t)).map((x) => x.to);
      assert.deepEqual(states, ["submitted", "active", "complete"], t);
    }
    const forecast = await db.pool.query<{ detail: string }>(
      "select detail from flow_history where path = '/operation_suite/0/forecast/run_forecast' and kind = 'meter' order by id",
    );
    assert.deepEqual(
      forecast.rows.map((r) => r.detail),
      Array.from({ length: 25 }, (_, i) => `step = ${i}`),
    );
    const output = await taskOutput(db.pool, "/operation_suite/0/forecast/run_forecast");
    assert.ok(output.lines.some((l) => l.line === "echo end of job" || l.line === "end of job"));
  });

  it("shows the events, meters and labels the scripts set, through the API the UI reads", async () => {
    await complete("/scripts/f/report");
    const report = await node("/scripts/f/report");
    assert.deepEqual(report["events"], { ev: true });
    assert.deepEqual(report["meters"], { prog: 3 });
    assert.deepEqual(report["labels"], { info: "step three done" });
  });

  it("holds ecflow_client --wait until its expression holds", async () => {
    await complete("/scripts/f/waiter");
    const at = async (path: string) =>
      (
        await db.pool.query<{ id: string }>(
          "select id::text from flow_history where path = $1 and to_state = 'complete' order by id limit 1",
          [path],
        )
      ).rows[0]!.id;
    assert.ok(Number(await at("/scripts/f/waiter")) > Number(await at("/scripts/f/report")));
  });

  it("retries a task that aborts through head.h's trap, as ECF_TRIES says", async () => {
    await complete("/scripts/f/flaky");
    const flaky = await transitions(db.pool, "/scripts/f/flaky");
    assert.deepEqual(
      flaky.map((t) => `${t.to}@${t.tryNo}`),
      [
        "submitted@1",
        "active@1",
        "aborted@1",
        "submitted@2",
        "active@2",
        "aborted@2",
        "submitted@3",
        "active@3",
        "complete@3",
      ],
    );
    assert.equal(flaky[2]!.detail, "trap");
  });

  it("hands out a queue's steps one at a time with --queue", async () => {
    await complete("/scripts/f/steps");
    const steps = await node("/scripts/f/steps");
    assert.deepEqual(steps["labels"], { done: "abc aborted:" });
    const saved = await db.pool.query<{ extra: { queues?: unknown } }>(
      "select extra from flow_node where path = '/scripts/f/steps'",
    );
    assert.deepEqual(saved.rows[0]!.extra.queues, {
      steps: { index: 3, states: ["complete", "complete", "complete"] },
    });
    assert.ok(existsSync(join(home, "scripts", "f", "steps.job1")), "the job file is where ECF_JOB says");
  });

  it("shows a task's script and job, and runs a job edited for one run (edit & submit)", async () => {
    await complete("/scripts/f/report");
    const request = (method: "GET" | "POST", url: string, payload?: object, token = api.token) =>
      api.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
    const shown = await request("GET", `/api/suites/script?path=${encodeURIComponent("/scripts/f/report")}`);
    assert.equal(shown.statusCode, 200, shown.body);
    const script = shown.json() as { file: string; script: string; job: string; problem: string | null };
    assert.equal(script.file, join(home, "scripts", "f", "report.ecf"));
    assert.equal(script.script, `${SCRIPTS["report"]}\n`);
    assert.equal(script.problem, null);
    // The job is the script pre-processed: head.h and tail.h in, variables substituted, the try's
    // password left to the environment the worker sets.
    assert.doesNotMatch(script.job, /%include|%ECF_/);
    assert.match(script.job, /ecflow_client --label=info "step three done"/);
    assert.match(script.job, /ECF_PASS=\$ECF_PASS/);

    const edited = script.job.replace("step three done", "edited for one run");
    const submitted = await request("POST", "/api/suites/job", { path: "/scripts/f/report", job: edited });
    assert.equal(submitted.statusCode, 200, submitted.body);
    await waitUntil("the edited job's label", async () => {
      const report = await node("/scripts/f/report");
      return (
        report["state"] === "complete" &&
        (report["labels"] as Record<string, string>)["info"] === "edited for one run"
      );
    });
    // Once only: the next run is the script's again.
    assert.equal((await request("POST", "/api/suites/rerun", { path: "/scripts/f/report" })).statusCode, 200);
    await waitUntil("the script's own label again", async () => {
      const report = await node("/scripts/f/report");
      return (
        report["state"] === "complete" &&
        (report["labels"] as Record<string, string>)["info"] === "step three done"
      );
    });
    const history = await db.pool.query<{ detail: string; actor: string }>(
      "select detail, actor from flow_history where path = '/scripts/f/report' and kind = 'command' order by id",
    );
    assert.match(history.rows[0]!.detail, /edit & submit/);
    assert.match(history.rows[0]!.actor, /^api:/);

    const family = await request("GET", `/api/suites/script?path=${encodeURIComponent("/scripts/f")}`);
    assert.equal(family.statusCode, 400);
    assert.match(family.json().message, /only tasks have a script/);
    const empty = await request("POST", "/api/suites/job", { path: "/scripts/f/report", job: "" });
    assert.equal(empty.statusCode, 400);
    const unsigned = await request(
      "POST",
      "/api/suites/job",
      { path: "/scripts/f/report", job: "true" },
      "cb_nope",
    );
    assert.equal(unsigned.statusCode, 401);
  });
});
