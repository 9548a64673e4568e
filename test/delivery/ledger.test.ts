import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deliver, deliveryItem } from "../../src/delivery/deliver.ts";
import { directoryDestination } from "../../src/delivery/directory.ts";
import { cycleDeliveryStatus, deliverCycle, queueDeliveries } from "../../src/delivery/ledger.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("delivery ledger", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it("confirms a cycle delivered only when every product arrived intact, retrying failures on the next run", async () => {
    const source = tempDir();
    const items = await Promise.all(
      ["a.grib", "b.grib", "c.grib"].map(async (name) => {
        writeFileSync(join(source, name), randomBytes(2000));
        return deliveryItem(join(source, name), `2026112400/${name}`);
      }),
    );
    const root = tempDir();
    const destination = directoryDestination(root);
    assert.equal(await queueDeliveries(db.pool, "ecmwf/2026112400", destination.label, items), 3);
    assert.equal(
      await queueDeliveries(db.pool, "ecmwf/2026112400", destination.label, items),
      0,
      "queued once",
    );

    const fast = { attempts: 1, baseMs: 1, maxMs: 1 };
    let refuse = "b.grib";
    const send = (item: Parameters<typeof deliver>[1]) => {
      if (item.name.endsWith(refuse)) return Promise.reject(new Error("disk quota exceeded"));
      return deliver(destination, item, fast);
    };
    const first = await deliverCycle(db.pool, "ecmwf/2026112400", destination.label, send);
    assert.deepEqual([first.delivered, first.failed, first.pending], [2, 1, 0]);

    refuse = "none";
    const second = await deliverCycle(db.pool, "ecmwf/2026112400", destination.label, send);
    assert.deepEqual([second.delivered, second.failed, second.pending], [3, 0, 0]);
    assert.equal(second.bytes, 6000);
    for (const item of items)
      assert.deepEqual(readFileSync(join(root, item.name)), readFileSync(item.localPath));
    const failedOnce = await db.pool.query("select attempts, error from delivery where name like '%b.grib'");
    assert.equal(failedOnce.rows[0].attempts, 2);
    assert.equal(failedOnce.rows[0].error, null);
    assert.equal((await cycleDeliveryStatus(db.pool, "other")).delivered, 0);
  });
});
