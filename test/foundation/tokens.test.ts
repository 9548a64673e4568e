import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createToken, listTokens, revokeToken, verifyToken } from "../../src/auth/tokens.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("API tokens", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it("verifies a created token, stores only its hash, and refuses it once revoked", async () => {
    const token = await createToken(db.pool, "ci");
    assert.match(token, /^cb_[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifyToken(db.pool, token), "ci");
    assert.equal(await verifyToken(db.pool, `${token}x`), null);
    const stored = await db.pool.query("select * from api_token");
    assert.ok(!JSON.stringify(stored.rows).includes(token.slice(3)));
    const [info] = await listTokens(db.pool);
    assert.ok(info?.lastUsedAt, "verification records the last use");
    assert.equal(await revokeToken(db.pool, "ci"), true);
    assert.equal(await verifyToken(db.pool, token), null);
    assert.equal(await revokeToken(db.pool, "ci"), false);
  });

  it("refuses a second live token with the same name", async () => {
    await createToken(db.pool, "dup");
    await assert.rejects(createToken(db.pool, "dup"), /dup/);
  });
});
