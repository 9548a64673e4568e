import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { listMigrations, migrate, migrationsComplete } from "../../src/db/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("migrations", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  after(() => db.drop());

  it("are numbered without gaps or duplicates", () => {
    const versions = listMigrations().map((m) => m.version);
    assert.ok(versions.length > 0);
    assert.deepEqual([...new Set(versions)], versions);
    assert.deepEqual(
      [...versions].sort((a, b) => a - b),
      versions,
    );
  });

  it("apply once when two processes start at the same time, and are idempotent", async () => {
    const pools = [0, 1, 2].map(() => {
      const pool = new pg.Pool({ connectionString: db.url, max: 2 });
      // The database is dropped with (force) after the test: an idle client's termination is expected.
      pool.on("error", () => undefined);
      return pool;
    });
    try {
      assert.equal(await migrationsComplete(pools[0]!), false);
      const applied = await Promise.all(pools.map((pool) => migrate(pool)));
      const all = applied.flat().sort((a, b) => a - b);
      assert.deepEqual(
        all,
        listMigrations().map((m) => m.version),
      );
      assert.deepEqual(await migrate(pools[0]!), []);
      assert.equal(await migrationsComplete(pools[1]!), true);
      const rows = await db.pool.query("select version from schema_version order by version");
      assert.equal(rows.rowCount, listMigrations().length);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
