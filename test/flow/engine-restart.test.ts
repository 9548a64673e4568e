// The control server killed with SIGKILL in the middle of a run, twice, and restarted: every suite
// resumes from PostgreSQL exactly — no task runs twice, none is forgotten.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { runCli, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { allComplete, taskStates, waitUntil } from "./engine-helpers.ts";

const taskCount = 30;

describe("flow engine: the control server killed mid-run resumes exactly", () => {
  let db: TestDatabase;
  let server: ChildProcess | null = null;
  let worker: ChildProcess;
  const cwd = tempDir("cb-restart-");
  const env = () => ({ DATABASE_URL: db.url });
  const startServer = async () => {
    server = spawnCli(["server", "--port", "0"], { cwd, env: env() });
    await waitForOutput(server, /"server ready"/, 60_000);
  };
  const killServer = async () => {
    const s = server!;
    await stopChild(s, "SIGKILL");
    server = null;
  };
  const completed = async () =>
    Object.values(await taskStates(db.pool, "restart")).filter((s) => s === "complete").length;

  before(async () => {
    db = await createTestDatabase();
    const tasks = Array.from({ length: taskCount }, (_, i) => `    task t${String(i).padStart(2, "0")}`);
    const def = [
      "suite restart",
      "  limit slots 3",
      '  edit CB_ACTION "sleep 0.3"',
      "  family many",
      "    inlimit slots",
      ...tasks,
      "  endfamily",
      "  task last",
      "    trigger many == complete",
      "endsuite",
      "",
    ].join("\n");
    const file = `${cwd}/restart.def`;
    await import("node:fs").then((fs) => fs.writeFileSync(file, def));
    const loaded = await runCli(["suite", "load", file], { cwd, env: env() });
    assert.equal(loaded.code, 0, loaded.stderr);
    worker = spawnCli(["worker", "--concurrency", "3", "--name", "w1"], { cwd, env: env() });
    await waitForOutput(worker, /worker w1 ready/);
  });

  after(async () => {
    if (server) await stopChild(server, "SIGKILL");
    if (worker) await stopChild(worker);
    await db?.drop();
  });

  it("runs every task exactly once across two SIGKILLs of the server", async () => {
    await startServer();
    const begun = await runCli(["suite", "begin", "restart"], { cwd, env: env() });
    assert.equal(begun.code, 0, begun.stderr);
    await waitUntil("a few tasks complete", async () => (await completed()) >= 5);
    await killServer();
    const whileDown = await completed();
    await startServer();
    await waitUntil("more tasks complete", async () => (await completed()) >= whileDown + 8);
    await killServer();
    await new Promise((r) => setTimeout(r, 1000));
    await startServer();
    await waitUntil("all tasks complete", () => allComplete(db.pool, "restart"), 90_000);

    // Exactly one try, one submission, one run and one pg-boss job per task.
    const runs = await db.pool.query<{
      path: string;
      submitted: string;
      active: string;
      try_no: number;
      jobs: string;
    }>(
      `select n.path, n.try_no,
              (select count(*) from flow_history h where h.suite_id = n.suite_id and h.path = n.path and h.to_state = 'submitted') as submitted,
              (select count(*) from flow_history h where h.suite_id = n.suite_id and h.path = n.path and h.to_state = 'active') as active,
              (select count(*) from pgboss.job j where j.data->>'path' = n.path) as jobs
         from flow_node n where n.kind = 'task' order by n.path`,
    );
    assert.equal(runs.rows.length, taskCount + 1);
    for (const row of runs.rows) {
      assert.deepEqual(
        {
          path: row.path,
          try: row.try_no,
          submitted: Number(row.submitted),
          active: Number(row.active),
          jobs: Number(row.jobs),
        },
        { path: row.path, try: 1, submitted: 1, active: 1, jobs: 1 },
      );
    }
    // The limit held throughout: never more than 3 tasks of the family running at once.
    const overlap = await db.pool.query<{ most: string }>(
      `with ev as (
         select at, case when to_state = 'submitted' then 1 else -1 end as d from flow_history
          where path like '/restart/many/%' and to_state in ('submitted', 'complete', 'aborted'))
       select max(running) as most from (select sum(d) over (order by at) as running from ev) s`,
    );
    assert.ok(Number(overlap.rows[0]!.most) <= 3, `up to ${overlap.rows[0]!.most} ran at once`);
  });

  it("shows the finished suite and its history through the CLI", async () => {
    const shown = await runCli(["suite", "show", "/restart"], { cwd, env: env() });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^restart\s+complete/m);
    assert.match(shown.stdout, /^\s+last\s+complete\s+1/m);
    const history = await runCli(["suite", "show", "/restart/last", "--history", "--json"], {
      cwd,
      env: env(),
    });
    const entries = JSON.parse(history.stdout) as Array<{ toState: string | null }>;
    assert.deepEqual(
      entries.filter((e) => e.toState).map((e) => e.toState),
      ["submitted", "active", "complete"],
    );
  });
});
