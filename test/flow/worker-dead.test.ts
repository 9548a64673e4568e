// A worker killed with SIGKILL mid-job: its missing heartbeat is noticed within 60 s, the task is
// retried on another worker within ECF_TRIES, and the history says what happened. A worker that was
// only frozen (SIGSTOP) and comes back is a zombie: its late report is refused.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { spawnCli, stopChild, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { taskStates, transitions, waitUntil } from "./engine-helpers.ts";

describe("flow engine: dead and frozen workers", () => {
  let db: TestDatabase;
  let engine: TestEngine;
  const workers: ChildProcess[] = [];
  const startWorker = async (name: string) => {
    const child = spawnCli(["worker", "--name", name], { env: { DATABASE_URL: db.url } });
    workers.push(child);
    await waitForOutput(child, new RegExp(`worker ${name} ready`));
    return child;
  };

  before(async () => {
    db = await createTestDatabase();
    const def = [
      "suite dead",
      '  edit CB_HEARTBEAT "10"',
      "  edit ECF_TRIES 3",
      "  task long",
      '    edit CB_ACTION "sleep 6"',
      "endsuite",
      "suite frozen",
      '  edit CB_HEARTBEAT "10"',
      "  task long",
      '    edit CB_ACTION "sleep 3"',
      "endsuite",
      "",
    ].join("\n");
    await loadSuites(db.pool, def, "dead.def", { actor: "test" });
    engine = await startTestEngine(db, {
      tickMs: 1000,
      superviseIntervalSeconds: 2,
      controlConcurrency: 0,
    });
  });

  after(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) await stopChild(w, "SIGKILL");
    await engine?.stop();
    await db?.drop();
  });

  it("notices a worker killed with SIGKILL and retries the task on another", async () => {
    const a = await startWorker("worker-a");
    await beginSuite(db.pool, "dead", "test");
    await waitUntil(
      "the task active on worker-a",
      async () => (await taskStates(db.pool, "dead"))["/dead/long"] === "active",
    );
    const killedAt = Date.now();
    await stopChild(a, "SIGKILL");
    await startWorker("worker-b");
    const aborted = await waitUntil(
      "the lost heartbeat noticed",
      async () => (await transitions(db.pool, "/dead/long")).find((t) => t.to === "aborted"),
      60_000,
    );
    const noticedAfterMs = Date.now() - killedAt;
    assert.ok(noticedAfterMs < 60_000, `noticed after ${noticedAfterMs} ms`);
    assert.match(aborted.detail ?? "", /no heartbeat .* from worker-a: the worker is presumed dead/);
    await waitUntil(
      "the retry complete",
      async () => (await taskStates(db.pool, "dead"))["/dead/long"] === "complete",
      60_000,
    );
    const history = await transitions(db.pool, "/dead/long");
    assert.deepEqual(
      history.map((t) => `${t.to}@${t.tryNo} by ${t.actor}`),
      [
        "submitted@1 by engine",
        "active@1 by worker-a",
        "aborted@1 by engine",
        "submitted@2 by engine",
        "active@2 by worker-b",
        "complete@2 by worker-b",
      ],
    );
    assert.match(history[3]!.detail ?? "", /retry 2 of 3/);
  });

  it("refuses the late report of a frozen worker whose task was retried elsewhere", async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) await stopChild(w, "SIGKILL");
    workers.length = 0;
    const frozen = await startWorker("worker-frozen");
    await beginSuite(db.pool, "frozen", "test");
    await waitUntil(
      "active on the frozen worker",
      async () => (await taskStates(db.pool, "frozen"))["/frozen/long"] === "active",
    );
    frozen.kill("SIGSTOP");
    await startWorker("worker-c");
    await waitUntil(
      "the retry complete",
      async () => (await taskStates(db.pool, "frozen"))["/frozen/long"] === "complete",
      60_000,
    );
    frozen.kill("SIGCONT");
    await waitForOutput(frozen, /refused|no longer the task's current try/, 30_000);
    // The thawed worker's sleep ends and it reports; its try is no longer current, so nothing changes.
    await new Promise((r) => setTimeout(r, 5000));
    const history = await transitions(db.pool, "/frozen/long");
    assert.deepEqual(
      history.map((t) => `${t.to}@${t.tryNo} by ${t.actor}`),
      [
        "submitted@1 by engine",
        "active@1 by worker-frozen",
        "aborted@1 by engine",
        "submitted@2 by engine",
        "active@2 by worker-c",
        "complete@2 by worker-c",
      ],
    );
    assert.equal((await taskStates(db.pool, "frozen"))["/frozen/long"], "complete");
  });
});
