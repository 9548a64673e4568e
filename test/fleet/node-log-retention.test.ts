// The worker logs of nodes long gone go with the retention: each node's log is bounded, but nodes are
// cloned per cycle, so the table would grow for ever. A node still there keeps its log whatever its age.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { appendNodeLog, pruneNodeLogs, storedNodeLog } from "../../src/fleet/node-log.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("node log retention", () => {
  let db: TestDatabase;
  const cutoff = new Date("2026-11-20T00:00:00Z");
  const lines = (at: string) => [
    { at, line: "worker ready" },
    { at, line: "job done" },
  ];

  before(async () => {
    db = await createTestDatabase();
    const node = (name: string, goneAt: string | null) =>
      db.pool.query(
        `insert into fleet_node (environment, cycle, role, provider, name, state, gone_at)
         values ('test', '2026-11-01T00Z', 'compute', 'local', $1, $2, $3)`,
        [name, goneAt ? "destroyed" : "ready", goneAt],
      );
    await node("gone-long-ago", "2026-11-02T07:00:00Z");
    await node("gone-lately", "2026-11-21T07:00:00Z");
    // Up since before the cutoff and quiet since: still there, so its log stays.
    await node("still-up", null);
    await appendNodeLog(db.pool, "gone-long-ago", lines("2026-11-02T06:00:00Z"));
    await appendNodeLog(db.pool, "gone-lately", lines("2026-11-21T06:00:00Z"));
    await appendNodeLog(db.pool, "still-up", lines("2026-11-02T06:00:00Z"));
    // Workers the fleet never started: known by their last line only.
    await appendNodeLog(db.pool, "by-hand-old", lines("2026-11-03T06:00:00Z"));
    await appendNodeLog(db.pool, "by-hand-recent", [
      ...lines("2026-11-03T06:00:00Z"),
      { at: "2026-11-22T06:00:00Z", line: "still working" },
    ]);
  });
  after(async () => {
    await db?.drop();
  });

  it("drops the logs of nodes gone before the cutoff, keeps the rest whole", async () => {
    assert.equal(await pruneNodeLogs(db.pool, cutoff), 4);
    assert.equal(await storedNodeLog(db.pool, "gone-long-ago"), null);
    assert.equal(await storedNodeLog(db.pool, "by-hand-old"), null);
    for (const [node, count] of [
      ["gone-lately", 2],
      ["still-up", 2],
      ["by-hand-recent", 3],
    ] as const)
      assert.equal((await storedNodeLog(db.pool, node))?.split("\n").length, count + 1, node);
    assert.equal(await pruneNodeLogs(db.pool, cutoff), 0, "nothing more to drop");
  });
});
