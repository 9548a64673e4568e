import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  createNodeToken,
  createToken,
  listTokens,
  revokeNodeTokens,
  revokeToken,
  verifyToken,
} from "../../src/auth/tokens.ts";
import { buildApp } from "../../src/server/app.ts";
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
    assert.deepEqual(await verifyToken(db.pool, token), { name: "ci", scope: "operator", node: null });
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

  it("a node's token opens the worker protocol only, until it expires or its cycle ends", async () => {
    const app = await buildApp({ pool: db.pool });
    try {
      const live = await createNodeToken(db.pool, {
        node: "cb-prod-1",
        cycle: "ecmf/2026120600",
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      assert.equal((await verifyToken(db.pool, live))?.scope, "worker");
      const call = (token: string, url: string) =>
        app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
      // Not the operator's API: 403, whatever the route.
      assert.equal((await call(live, "/api/suites")).statusCode, 403);
      assert.equal((await call(live, "/api/fleet/nodes")).statusCode, 403);
      // The worker protocol: it gets past authentication (503 here: no data role in this app).
      assert.equal(
        (
          await app.inject({
            method: "POST",
            url: "/api/worker/complete",
            headers: { authorization: `Bearer ${live}` },
            payload: { queue: "compute", ids: [] },
          })
        ).statusCode,
        503,
      );
      // Nor the web UI.
      const session = await app.inject({ method: "POST", url: "/ui/session", payload: { token: live } });
      assert.equal(session.statusCode, 401);

      const expired = await createNodeToken(db.pool, {
        node: "cb-prod-2",
        cycle: "ecmf/2026120600",
        expiresAt: new Date(Date.now() - 1000),
      });
      assert.equal(await verifyToken(db.pool, expired), null);
      assert.equal((await call(expired, "/api/worker/complete")).statusCode, 401);

      assert.equal(await revokeNodeTokens(db.pool, { cycle: "ecmf/2026120600" }), 2);
      assert.equal(await verifyToken(db.pool, live), null);
    } finally {
      await app.close();
    }
  });
});
