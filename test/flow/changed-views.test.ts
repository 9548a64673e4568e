// What a watcher (the web UI) needs to follow a suite without fetching all of it on every change: the
// engine names the paths it changed itself on `flow_advanced`, and `GET /api/suites/changed` answers the
// views those paths may have redrawn (the nodes, their ancestors, the limit holders), the same as the
// whole tree shows them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { createToken } from "../../src/auth/tokens.ts";
import { beginSuite, loadSuites } from "../../src/flow/engine/commands.ts";
import { CHANGED_PATHS_MAX, showChanged, showTree } from "../../src/flow/engine/queries.ts";
import { changedPayload, FLOW_ADVANCED_CHANNEL } from "../../src/flow/engine/store.ts";
import { buildApp } from "../../src/server/app.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { waitUntil } from "./engine-helpers.ts";

const def = `suite watch
  limit hpc 2
  family a
    task one
      inlimit /watch:hpc
    task two
      trigger one == complete
  endfamily
  family b
    task three
      trigger ../a/two == complete
  endfamily
endsuite
`;

describe("changed views for watchers", () => {
  let db: TestDatabase;
  let engine: TestEngine;
  let listener: pg.Client;
  let app: FastifyInstance;
  let token: string;
  const advanced: string[] = [];

  before(async () => {
    db = await createTestDatabase();
    listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    listener.on("notification", (n) => advanced.push(n.payload ?? ""));
    await listener.query(`listen ${FLOW_ADVANCED_CHANNEL}`);
    await loadSuites(db.pool, def, "watch.def", { actor: "test" });
    // Nobody takes the compute queue: tasks stay submitted.
    engine = await startTestEngine(db, { controlConcurrency: 0 });
    app = await buildApp({ pool: db.pool });
    token = await createToken(db.pool, "changed-test");
  });
  after(async () => {
    await engine?.stop();
    await app?.close();
    await listener?.end();
    await db?.drop();
  });

  it("names the tasks the engine submits on flow_advanced", async () => {
    await beginSuite(db.pool, "watch", "test");
    const payload = await waitUntil("a flow_advanced naming /watch/a/one", async () =>
      advanced.find((p) => p.split(" ").includes("/watch/a/one")),
    );
    const [suiteId, ...paths] = payload.split(" ");
    const { rows } = await db.pool.query("select id::text from flow_suite where name = 'watch'");
    assert.equal(suiteId, rows[0].id);
    assert.ok(!paths.includes("/watch/a/two"), `two waits for its trigger: ${payload}`);
  });

  it("bounds the payload: the suite alone when the paths would not fit in a notification", () => {
    assert.equal(changedPayload("s1", ["/x/a", "/x/b", "/x/a"]), "s1 /x/a /x/b");
    const many = Array.from({ length: 1000 }, (_, i) => `/x/family_${i}/task_${i}`);
    assert.equal(changedPayload("s1", many), "s1");
  });

  it("answers the changed nodes, their ancestors and the limit holders as the whole tree shows them", async () => {
    await waitUntil("one submitted", async () =>
      (await showTree(db.pool, "/watch")).some((v) => v.path === "/watch/a/one" && v.state === "submitted"),
    );
    const changed = await showChanged(db.pool, "/watch", ["/watch/a/one", "/watch/gone"]);
    assert.deepEqual(
      changed.map((v) => v.path),
      ["/watch", "/watch/a", "/watch/a/one"],
    );
    const tree = await showTree(db.pool, "/watch");
    assert.deepEqual(
      changed,
      tree.filter((v) => changed.some((c) => c.path === v.path)),
    );
    // The suite holds the limit: one of its two tokens is in use, on its line.
    assert.ok(changed[0]!.inline.some((a) => a.kind === "limit" && a.value === "1"));
    await assert.rejects(showChanged(db.pool, "/watch/a", ["/watch/a/one"]), /give the suite's path/);
  });

  it("serves them over HTTP, with the number of paths bounded", async () => {
    const get = (query: string) =>
      app.inject({ url: `/api/suites/changed?${query}`, headers: { authorization: `Bearer ${token}` } });
    const ok = await get("path=/watch&changed=/watch/b/three");
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(
      ok.json().map((v: { path: string }) => v.path),
      ["/watch", "/watch/b", "/watch/b/three"],
    );
    const paths = Array.from({ length: CHANGED_PATHS_MAX + 1 }, (_, i) => `/watch/t${i}`).join(",");
    const tooMany = await get(`path=/watch&changed=${paths}`);
    assert.equal(tooMany.statusCode, 400, tooMany.body);
  });
});
