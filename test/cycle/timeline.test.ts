// GET /api/timeline and /api/timeline/cycles (issue 21): the cycles a picker offers, the latest first,
// and a cycle's timeline that ends with it (a later cycle's files are not its), each bar naming what it
// leads to (its file, its product). Real PostgreSQL, rows as ingest and delivery write them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { createToken } from "../../src/auth/tokens.ts";
import { buildApp } from "../../src/server/app.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
let app: FastifyInstance;
let token: string;

before(async () => {
  db = await createTestDatabase();
  app = await buildApp({ pool: db.pool, fleet: null });
  token = await createToken(db.pool, "timeline-test");
});
after(async () => {
  await app?.close();
  await db?.drop();
});

const at = (minutes: number) => new Date(Date.parse("2026-12-01T06:00:00Z") + minutes * 60_000);

async function file(name: string, receivedMinutes: number): Promise<void> {
  await db.pool.query(
    `insert into ingest_file (name, version, size, checksum, state, source, name_info, received_at, registered_at)
     values ($1, 1, 10, 'x', 'registered', 'test', '{"step": 0}', $2, $3)`,
    [name, at(receivedMinutes), at(receivedMinutes + 0.1)],
  );
}

async function delivery(cycle: string, name: string, minutes: number): Promise<void> {
  await db.pool.query(
    `insert into delivery (cycle_key, step, destination, name, local_path, bytes, sha256, state, queued_at, delivered_at)
     values ($1, 0, 'dir', $2, '/x', 10, $2, 'delivered', $3, $4)`,
    [cycle, name, at(minutes), at(minutes + 0.5)],
  );
}

async function get(url: string) {
  const response = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

test("the picker lists the cycles with deliveries; a past cycle's timeline ends with it", async () => {
  await file("A1D12010000120100011", 0);
  await delivery("ecmf/2026120100", "T-K_0.grib", 2);
  await file("A1D12010600120106011", 360);
  await delivery("ecmf/2026120106", "T-K_6.grib", 362);

  const cycles = (await get("/api/timeline/cycles")) as Array<{ cycle: string; at: string }>;
  assert.deepEqual(
    cycles.map((c) => c.cycle),
    ["ecmf/2026120106", "ecmf/2026120100"],
  );
  assert.equal(cycles[1]!.at, at(2).toISOString());

  const first = await get(`/api/timeline?cycle=${encodeURIComponent("ecmf/2026120100")}`);
  assert.equal(first.cycle, "ecmf/2026120100");
  assert.equal(first.until, new Date(at(2.5).getTime() + 60_000).toISOString());
  assert.deepEqual(
    first.arrivals.map((a: { target: unknown }) => a.target),
    [{ kind: "file", name: "A1D12010000120100011" }],
    "the 06 cycle's file is not the 00 cycle's",
  );
  assert.deepEqual(first.deliveries[0].target, { kind: "product", name: "T-K_0.grib" });
  // Without a cycle: the latest.
  assert.equal((await get("/api/timeline")).cycle, "ecmf/2026120106");
});
