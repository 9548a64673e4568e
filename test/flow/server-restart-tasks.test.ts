// A server killed while its in-process worker ran a task (ingest, provisioning, delivery): the next
// server started on the host aborts that task at once, for ECF_TRIES to retry, instead of leaving it
// active until its heartbeat runs out (issue 17's fault runs: 20-60 s per server kill). Tasks of a
// server whose process lives, or of another host, are left alone. Real PostgreSQL.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { abortTasksOfDeadServers } from "../../src/flow/engine/worker-lost.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { taskStates } from "./engine-helpers.ts";

describe("a restarted server and its predecessor's tasks", () => {
  let db: TestDatabase;
  const dead = 4_000_000; // above Linux's pid_max: never a live process
  const workers: Record<string, string> = {
    "/restart/dead": `control,data-server:node-1.fmi:${dead}`,
    "/restart/alive": `control,data-server:node-1.fmi:${process.pid + 1}`,
    "/restart/elsewhere": `control-server:node-2.fmi:${dead}`,
    "/restart/compute": "cb-node-7",
  };

  before(async () => {
    db = await createTestDatabase();
    const def = [
      "suite restart",
      ...Object.keys(workers).map((p) => `  task ${p.split("/")[2]}`),
      "endsuite",
      "",
    ];
    await loadSuites(db.pool, def.join("\n"), "restart.def", { actor: "test" });
    await beginSuite(db.pool, "restart", "test");
    for (const [path, worker] of Object.entries(workers))
      await db.pool.query(
        "update flow_node set state = 'active', worker = $2 where kind = 'task' and path = $1",
        [path, worker],
      );
  });

  after(async () => {
    await db?.drop();
  });

  it("aborts only the tasks of a server process of this host that has ended, saying so", async () => {
    const alive = (pid: number) => pid === process.pid + 1;
    const aborted = await abortTasksOfDeadServers(db.pool, "node-1.fmi", alive);
    assert.deepEqual(
      aborted.map((t) => t.path),
      ["/restart/dead"],
    );
    const states = await taskStates(db.pool, "restart");
    assert.equal(states["/restart/dead"], "aborted");
    for (const path of ["/restart/alive", "/restart/elsewhere", "/restart/compute"])
      assert.equal(states[path], "active", path);
    const history = await db.pool.query<{ detail: string }>(
      "select detail from flow_history where path = '/restart/dead' and to_state = 'aborted'",
    );
    assert.match(history.rows[0]!.detail, new RegExp(`its server process ${dead} on node-1\\.fmi ended`));
    assert.deepEqual(await abortTasksOfDeadServers(db.pool, "node-1.fmi", alive), [], "once");
  });
});
