// The fleet's reconcile loop when PostgreSQL goes away (issue 17): the loop survives a lost database
// (connections reset, then refused), says so at warn and error level, and resumes when the database is
// back; a database lost while nodes are being made leaves requests the next pass adopts, so no node is
// made twice. The database is real; a TCP proxy in front of it cuts the link.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { fleetConfigSchema } from "../../src/fleet/config.ts";
import { FleetController } from "../../src/fleet/controller.ts";
import { LocalProvider } from "../../src/fleet/local/provider.ts";
import { tagKeys } from "../../src/fleet/provider.ts";
import { FleetStore } from "../../src/fleet/store.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { MemoryLog } from "./helpers.ts";
import { TcpProxy } from "./tcp-proxy.ts";

let db: TestDatabase;
let proxy: TcpProxy;
let pool: pg.Pool;
before(async () => {
  db = await createTestDatabase();
  const url = new URL(db.url);
  proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) });
  pool = new pg.Pool({ connectionString: proxy.via(db.url), max: 4, connectionTimeoutMillis: 2000 });
  pool.on("error", () => undefined);
});
after(async () => {
  await pool.end().catch(() => undefined);
  await proxy.close();
  await db.drop();
});

function setup(environment: string) {
  const config = fleetConfigSchema.parse({
    environment,
    reconcileIntervalSeconds: 0.1,
    stuckSeconds: 0.5,
    local: { command: ["node", "-e", "setInterval(() => {}, 1000)", "--"], readyText: "" },
  });
  const provider = new LocalProvider({ config: config.local, stateDir: tempDir("cb-fleet-dbloss-") });
  const log = new MemoryLog();
  const controller = new FleetController({
    provider,
    store: new FleetStore(pool),
    config,
    workerAccess: () => ({ serverUrl: "http://127.0.0.1:9", fingerprint: null }),
    log,
  });
  // The test's own view of the database does not go through the proxy.
  return { provider, controller, log, store: new FleetStore(db.pool) };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("the reconcile loop survives a lost database, says so, and resumes when it is back", async () => {
  const { provider, controller, log, store } = setup("dbloss1");
  await store.planCycle("dbloss1", "c1", new Date(Date.now() + 5_000), 2);
  await proxy.cut();
  const stop = new AbortController();
  let ended: string | null = null;
  const loop = controller.run(stop.signal).then(
    () => {
      ended = "returned";
    },
    (error: Error) => {
      ended = `threw ${error.message}`;
    },
  );
  try {
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(ended, null, "the loop is still running");
    const warned = log.lines.find((l) => l.level === "warn" && l.message === "fleet reconcile failed");
    assert.match(JSON.stringify(warned?.fields), /ECONNREFUSED/);
    assert.ok(
      log.lines.some((l) => l.level === "error" && /not completed a reconcile pass/.test(l.message)),
      "a loop failing longer than fleet.stuckSeconds is an error",
    );
    assert.ok(
      !log.lines.some((l) => l.level === "info" && JSON.stringify(l.fields).includes("ECONNREFUSED")),
    );
    await proxy.restore();
    await waitFor("two live nodes recorded", async () => {
      const rows = (await store.nodes("dbloss1")).filter((r) => r.goneAt === null && r.providerId);
      return rows.length === 2;
    });
    assert.equal((await provider.listNodes({ [tagKeys.environment]: "dbloss1" })).length, 2);
  } finally {
    stop.abort();
    await loop;
    await store.setCycleState("dbloss1", "c1", "cancelled");
    await controller.reconcile();
  }
  assert.equal(ended, "returned");
  assert.deepEqual(await provider.listNodes({ [tagKeys.environment]: "dbloss1" }), []);
});

test("a database lost while nodes are made: the next pass adopts them, nothing is made twice", async () => {
  const { provider, controller, store } = setup("dbloss2");
  await store.planCycle("dbloss2", "c1", new Date(Date.now() + 5_000), 2);
  const create = provider.createNodes.bind(provider);
  provider.createNodes = async (request) => {
    await proxy.cut(); // the database goes while the provider works
    return create(request);
  };
  const cut = await controller.reconcile();
  provider.createNodes = create;
  await proxy.restore();
  assert.ok(cut.errors.length > 0, JSON.stringify(cut));
  const made = (await provider.listNodes({ [tagKeys.environment]: "dbloss2" })).map((n) => n.id).sort();
  assert.equal(made.length, 2);

  // The first pass may still meet a connection the cut left broken; the loop's next pass goes on.
  let next = await controller.reconcile();
  if (next.errors.length) next = await controller.reconcile();
  assert.deepEqual(next.errors, []);
  assert.equal(next.created.length, 0, JSON.stringify(next));
  assert.equal(next.adopted.length, 2, JSON.stringify(next));
  assert.deepEqual(
    (await provider.listNodes({ [tagKeys.environment]: "dbloss2" })).map((n) => n.id).sort(),
    made,
    "the same two nodes, none more",
  );
  const rows = (await store.nodes("dbloss2")).filter((r) => r.goneAt === null);
  assert.deepEqual(rows.map((r) => r.providerId).sort(), made, "the two requests own them");
  await store.setCycleState("dbloss2", "c1", "cancelled");
  await controller.reconcile();
  assert.deepEqual(await provider.listNodes({ [tagKeys.environment]: "dbloss2" }), []);
});
