// A job a worker took but never started goes straight back to the queue, for another node, instead of
// waiting out its heartbeat: what a stopping worker fetched last, and what the server took for a
// long-poll whose worker hung up (a node being released by the autoscaler).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { PgBoss } from "pg-boss";
import { createToken } from "../../src/auth/tokens.ts";
import type { TaskJobData } from "../../src/flow/engine/job.ts";
import { returnToQueue, startBoss } from "../../src/queue/boss.ts";
import { buildApp } from "../../src/server/app.ts";
import { ActionRegistry } from "../../src/worker/actions.ts";
import { startWorker } from "../../src/worker/agent.ts";
import { directBackend, type WorkerBackend } from "../../src/worker/backend.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

/** A job as the flow engine submits one (the worker protocol carries nothing else). */
function taskData(n: number): TaskJobData {
  return {
    suiteId: "1",
    path: `/s/t${n}`,
    tryNo: 1,
    password: "p",
    queue: "compute",
    variables: {},
    events: [],
    meters: [],
    labels: [],
    heartbeatSeconds: 20,
    expireSeconds: 60,
  };
}

describe("queue: jobs taken but not started go back", () => {
  let db: TestDatabase;
  let boss: PgBoss;
  let app: FastifyInstance;
  let base: string;
  let token: string;
  let protocol: WorkerBackend;

  const stateOf = async (id: string) =>
    (await db.pool.query<{ state: string }>("select state::text from pgboss.job where id = $1", [id])).rows[0]
      ?.state;

  before(async () => {
    db = await createTestDatabase();
    boss = await startBoss(db.url);
    protocol = await directBackend(db.url, { concurrency: 4, pool: db.pool });
    app = await buildApp({ pool: db.pool, workerBackend: protocol });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/api/worker`;
    token = await createToken(db.pool, "worker-release");
  });

  after(async () => {
    await app?.close();
    await protocol?.close();
    await boss?.stop({ graceful: false });
    await db?.drop();
  });

  it("returns a fetched job to the queue, fenced by the attempt that took it", async () => {
    const id = (await boss.send("compute", taskData(1)))!;
    const [first] = await boss.fetch("compute");
    assert.equal(first?.id, id);
    await returnToQueue(db.pool, boss, "compute", [{ id, retryCount: first!.retryCount }]);
    assert.equal(await stateOf(id), "created");

    const [second] = await boss.fetch("compute");
    assert.equal(second?.id, id, "the returned job is taken again");
    assert.ok(second!.retryCount > first!.retryCount, "as a new attempt");
    // A late return of the first attempt must not take the job away from its new taker.
    await returnToQueue(db.pool, boss, "compute", [{ id, retryCount: first!.retryCount }]);
    assert.equal(await stateOf(id), "active");
    await boss.complete("compute", id);
  });

  const post = (path: string, body: object, signal?: AbortSignal) =>
    fetch(`${base}/${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });

  it("a worker stopped while it fetches puts back what the fetch took", async () => {
    const real = await directBackend(db.url, { concurrency: 1 });
    let fetching!: () => void;
    const fetchStarted = new Promise<void>((r) => {
      fetching = r;
    });
    let openGate!: () => void;
    const gate = new Promise<void>((r) => {
      openGate = r;
    });
    // The real backend, with its fetch held until the stop has begun (a node released mid-fetch).
    const backend = {
      ...real,
      fetch: async (...args: Parameters<typeof real.fetch>) => {
        fetching();
        await gate;
        return real.fetch(...args);
      },
    };
    const worker = await startWorker({
      backend,
      queues: ["compute"],
      actions: new ActionRegistry(),
      concurrency: 1,
    });
    await fetchStarted;
    const id = (await boss.send("compute", taskData(0)))!;
    const stopped = worker.stop({ drainMs: 1000 });
    openGate();
    await stopped;
    assert.equal(await stateOf(id), "created", "back in the queue, not left to its heartbeat");
    assert.deepEqual(worker.stats(), { completed: 0, aborted: 0, refused: 0, running: 0 });
    const [taken] = await boss.fetch("compute");
    assert.equal(taken?.id, id);
    await boss.complete("compute", id);
  });

  it("holds a long-poll until work comes", async () => {
    const poll = post("fetch", { queue: "compute", max: 1, waitSeconds: 10 });
    await new Promise((r) => setTimeout(r, 500));
    const id = (await boss.send("compute", taskData(3)))!;
    const { jobs } = (await (await poll).json()) as { jobs: Array<{ id: string }> };
    assert.deepEqual(
      jobs.map((j) => j.id),
      [id],
    );
    await boss.complete("compute", id);
  });

  it("gives back nothing it took for a long-poll whose worker hung up", async () => {
    const hangUp = new AbortController();
    const poll = post("fetch", { queue: "compute", max: 1, waitSeconds: 5 }, hangUp.signal).catch(
      (error: Error) => error,
    );
    await new Promise((r) => setTimeout(r, 400));
    hangUp.abort();
    assert.ok((await poll) instanceof Error);
    const id = (await boss.send("compute", taskData(2)))!;
    // The abandoned poll went on for 5 s before this fix, and took the job for nobody.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await stateOf(id), "created");

    const answer = await post("fetch", { queue: "compute", max: 1 });
    const { jobs } = (await answer.json()) as { jobs: Array<{ id: string; retryCount: number }> };
    assert.deepEqual(
      jobs.map((j) => j.id),
      [id],
    );
    const attempts = jobs.map(({ id, retryCount }) => ({ id, retryCount }));
    const released = await post("release", { queue: "compute", attempts });
    assert.equal(released.status, 200);
    assert.equal(await stateOf(id), "created", "released over the API");
  });
});
