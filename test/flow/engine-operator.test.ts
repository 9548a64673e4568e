// Operator commands on a running suite, through the CLI and the HTTP API, with the engine and a real
// worker: defstatus suspended and resume, why (trigger, limit, suspension, data), kill of a running
// script (its process dies), requeue, force, rerun, runtime variables, and a data trigger released by
// the catalogue's `fields_registered` notification.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { createToken } from "../../src/auth/tokens.ts";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import type { DataTriggerSource } from "../../src/flow/engine/data-trigger.ts";
import { showTree, whyNode } from "../../src/flow/engine/queries.ts";
import { buildApp } from "../../src/server/app.ts";
import { runCli, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { taskStates, transitions, waitUntil } from "./engine-helpers.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("flow engine: operator commands", () => {
  let db: TestDatabase;
  let engine: TestEngine;
  let worker: ChildProcess;
  let app: FastifyInstance;
  let token: string;
  const home = tempDir("cb-ops-");
  const cwd = tempDir("cb-ops-cwd-");
  let dataReady = false;
  const testSource: DataTriggerSource = {
    name: "testsource",
    async waitFor(condition) {
      return dataReady
        ? { satisfied: true, detail: `${condition.query}: all inputs registered` }
        : { satisfied: false, detail: `${condition.query}: 0 of 3 inputs registered` };
    },
  };
  const cli = (...args: string[]) => runCli(args, { cwd, env: { DATABASE_URL: db.url } });
  const state = async (path: string) => (await taskStates(db.pool, "ops"))[path];
  const api = (method: "GET" | "POST", url: string, payload?: object) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });

  before(async () => {
    db = await createTestDatabase();
    mkdirSync(join(home, "ops"), { recursive: true });
    writeFileSync(
      join(home, "ops", "long.ecf"),
      "cloudburst child init\necho $$ > %ECF_HOME%/long.pid\nsleep 120\ncloudburst child complete\n",
    );
    const def = [
      "suite ops",
      `  edit ECF_HOME "${home}"`,
      '  edit CB_ACTION "noop"',
      '  edit CB_HEARTBEAT "10"',
      "  limit one 1",
      "  family hold",
      "    defstatus suspended",
      "    task a",
      "    task b",
      "      trigger a == complete",
      "  endfamily",
      "  task long",
      '    edit CB_ACTION ""',
      "  family limited",
      "    inlimit one",
      "    task l1",
      '      edit CB_ACTION "sleep 4"',
      "    task l2",
      '      edit CB_ACTION "sleep 4"',
      "  endfamily",
      "  task late_one",
      "    trigger hold/a == aborted",
      "    late -a 00:00",
      "  task waits_data",
      "    edit STEP 6",
      '    edit CB_WAIT_FOR "testsource:inputs for step %STEP%"',
      "endsuite",
      "",
    ].join("\n");
    await loadSuites(db.pool, def, "ops.def", { actor: "test" });
    engine = await startTestEngine(db, {
      tickMs: 1000,
      controlConcurrency: 0,
      dataSources: [testSource],
    });
    worker = spawnCli(["worker", "--concurrency", "4", "--name", "ops-worker"], {
      env: { DATABASE_URL: db.url },
    });
    await waitForOutput(worker, /ready/);
    app = await buildApp({ pool: db.pool, dataSources: [testSource] });
    token = await createToken(db.pool, "ops-test");
    await beginSuite(db.pool, "ops", "test");
  });

  after(async () => {
    if (worker) await stopChild(worker);
    await engine?.stop();
    await app?.close();
    await db?.drop();
  });

  it("holds a suspended family, says so, and runs it once resumed through the API", async () => {
    await waitUntil("the long task active", async () => (await state("/ops/long")) === "active");
    assert.equal(await state("/ops/hold/a"), "queued");
    const why = await api("GET", `/api/suites/why?path=${encodeURIComponent("/ops/hold/b")}`);
    assert.equal(why.statusCode, 200);
    const reasons = (why.json() as { reasons: string[] }).reasons.join("\n");
    assert.match(reasons, /suspended/);
    assert.match(reasons, /a == complete|trigger/);
    const resumed = await api("POST", "/api/suites/resume", { path: "/ops/hold" });
    assert.equal(resumed.statusCode, 200, resumed.body);
    await waitUntil("hold complete", async () => (await state("/ops/hold/b")) === "complete");
    const history = await transitions(db.pool, "/ops/hold");
    assert.ok(history.length >= 1);
  });

  it("says a limit holds the second limited task", async () => {
    const running = await waitUntil("one limited task active", async () => {
      const s = await taskStates(db.pool, "ops");
      return ["/ops/limited/l1", "/ops/limited/l2"].find((p) => s[p] === "active");
    });
    const other = running === "/ops/limited/l1" ? "/ops/limited/l2" : "/ops/limited/l1";
    if ((await state(other)) === "queued") {
      const out = await cli("suite", "why", other);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /limit/i);
    }
    await waitUntil("both limited tasks complete", async () => {
      const s = await taskStates(db.pool, "ops");
      return s["/ops/limited/l1"] === "complete" && s["/ops/limited/l2"] === "complete";
    });
  });

  it("kills a running script: its process dies and the task ends aborted, not retried", async () => {
    const pidFile = join(home, "long.pid");
    await waitUntil("the script's pid", async () => existsSync(pidFile));
    const pid = Number(readFileSync(pidFile, "utf8"));
    assert.ok(alive(pid));
    const killed = await cli("suite", "kill", "/ops/long");
    assert.equal(killed.code, 0, killed.stderr);
    assert.match(killed.stdout, /killed \/ops\/long/);
    await waitUntil("the script's process gone", async () => !alive(pid), 30_000);
    assert.equal(await state("/ops/long"), "aborted");
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await state("/ops/long"), "aborted", "a killed task is not retried");
    const last = (await transitions(db.pool, "/ops/long")).at(-1)!;
    assert.match(last.detail ?? "", /killed by cli:/);
  });

  it("requeues a task and forces a running one complete", async () => {
    const requeued = await cli("suite", "requeue", "/ops/long");
    assert.equal(requeued.code, 0, requeued.stderr);
    await waitUntil("long active again", async () => (await state("/ops/long")) === "active");
    const tree = await showTree(db.pool, "/ops/long");
    assert.equal(tree[0]!.tryNo, 1, "requeue resets the try number");
    const forced = await cli("suite", "force", "complete", "/ops/long");
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await state("/ops/long"), "complete");
    const bad = await cli("suite", "force", "active", "/ops/long");
    assert.equal(bad.code, 2);
  });

  it("reruns a complete task with the next try number, ignoring its trigger", async () => {
    const rerun = await cli("suite", "rerun", "/ops/hold/b");
    assert.equal(rerun.code, 0, rerun.stderr);
    await waitUntil("b ran again", async () => {
      const t = await transitions(db.pool, "/ops/hold/b");
      return t.filter((x) => x.to === "complete").length === 2;
    });
    const tree = await showTree(db.pool, "/ops/hold/b");
    assert.equal(tree[0]!.tryNo, 2);
  });

  it("holds a task on its data trigger until the catalogue announces the fields", async () => {
    assert.equal(await state("/ops/waits_data"), "queued");
    const reasons = await whyNode(db.pool, "/ops/waits_data", [testSource]);
    assert.match(
      reasons.join("\n"),
      /waits for data \(testsource: inputs for step 6\): inputs for step 6: 0 of 3/,
    );
    dataReady = true;
    await db.pool.query("select pg_notify('fields_registered', '{}')");
    await waitUntil(
      "the data-triggered task complete",
      async () => (await state("/ops/waits_data")) === "complete",
      20_000,
    );
    const submitted = (await transitions(db.pool, "/ops/waits_data")).find((t) => t.to === "submitted")!;
    assert.match(submitted.detail ?? "", /all inputs registered/);
  });

  it("flags a task that is late, once, with the reason in its history", async () => {
    const late = await waitUntil("the late flag", async () => {
      const r = await db.pool.query<{ detail: string }>(
        "select detail from flow_history where path = '/ops/late_one' and kind = 'late'",
      );
      return r.rows.length ? r.rows : null;
    });
    assert.deepEqual(
      late.map((r) => r.detail),
      ["late: not active by 00:00"],
    );
    await new Promise((r) => setTimeout(r, 1500));
    const again = await db.pool.query(
      "select 1 from flow_history where path = '/ops/late_one' and kind = 'late'",
    );
    assert.equal(again.rowCount, 1, "flagged once");
  });

  it("sets a variable at run time and reports errors with a hint", async () => {
    const set = await cli("suite", "set", "/ops/hold/a", "GREETING", "hi");
    assert.equal(set.code, 0, set.stderr);
    const row = await db.pool.query<{ variables: Record<string, string> }>(
      "select variables from flow_node where path = '/ops/hold/a'",
    );
    assert.equal(row.rows[0]!.variables["GREETING"], "hi");
    const missing = await cli("suite", "requeue", "/ops/nosuch");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /suite ops has no node \/ops\/nosuch/);
    const unauthorised = await app.inject({ method: "GET", url: "/api/suites" });
    assert.equal(unauthorised.statusCode, 401);
    const listed = await api("GET", "/api/suites");
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(
      (listed.json() as Array<{ name: string }>).map((s) => s.name),
      ["ops"],
    );
    const notFound = await api("POST", "/api/suites/kill", { path: "/nosuch/x" });
    assert.equal(notFound.statusCode, 404);
  });
});
