// An operator destroys a compute node over the API (issue 21): the request is authenticated and
// audited, the task the node was running is aborted at once (the fleet's worker-lost announcement) and
// retried on another node, and the node goes from the provider with its token (and is replaced). The node's
// user data (token redacted) and its worker log (sent by its worker to the data role, bounded) are
// served beside. Real local workers, a real flow
// engine, a real PostgreSQL.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { createNodeToken, createToken } from "../../src/auth/tokens.ts";
import { parseConfigText } from "../../src/config/load.ts";
import type { Database } from "../../src/db/database.ts";
import { nodeLogLines } from "../../src/fleet/node-log.ts";
import { type FleetService, startFleet } from "../../src/fleet/service.ts";
import type { NodeRow } from "../../src/fleet/store.ts";
import { beginSuite } from "../../src/flow/engine/commands.ts";
import { buildApp } from "../../src/server/app.ts";
import { transitions, waitUntil } from "../flow/engine-helpers.ts";
import { tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { loadLongTaskSuite, startTestEngine, type TestEngine } from "../helpers/flow.ts";
import { startWorkerServer, type WorkerServer } from "../helpers/worker-server.ts";

const environment = "opdestroy";
const dir = tempDir("cb-fleet-opdestroy-");
let db: TestDatabase;
let engine: TestEngine;
let dataRole: WorkerServer;
let fleet: FleetService | null;
let app: FastifyInstance;
let token: string;

before(async () => {
  db = await createTestDatabase();
  await loadLongTaskSuite(db.pool, "op");
  engine = await startTestEngine(db, { tickMs: 500, controlConcurrency: 0 });
  dataRole = await startWorkerServer(db);
  const file = join(dir, "cloudburst.yaml");
  const yaml = [
    "fleet:",
    `  environment: ${environment}`,
    "  reconcileIntervalSeconds: 2",
    "  local:",
    `    stateDir: ${join(dir, "nodes")}`,
  ].join("\n");
  writeFileSync(file, yaml);
  fleet = await startFleet(parseConfigText(file, yaml), { pool: db.pool } as Database, {
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    workerAccess: () => ({ serverUrl: dataRole.url, fingerprint: null }),
  });
  app = await buildApp({ pool: db.pool, fleet });
  token = await createToken(db.pool, "operator-ann");
});

after(async () => {
  await app?.close();
  await fleet?.stop();
  await dataRole?.close();
  await engine?.stop();
  await db?.drop();
});

async function call(method: "GET" | "DELETE" | "POST", url: string, auth = true, payload?: object) {
  const response = await app.inject({
    method,
    url,
    headers: auth ? { authorization: `Bearer ${token}` } : {},
    ...(payload ? { payload } : {}),
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

const liveRows = async () => (await call("GET", "/api/fleet/records")).body as unknown as NodeRow[];

test("an operator destroys a busy node: its task is retried elsewhere, the node is replaced, nothing is left", async () => {
  const { store, provider } = fleet!;
  // Two nodes: the retry need not wait for the replacement to boot.
  await store.planCycle(environment, "c1", new Date(), 2);
  fleet!.controller.nudge();
  await beginSuite(db.pool, "op", "test");
  const first = await waitUntil("the task active on a node", async () =>
    (await transitions(db.pool, "/op/long")).find((t) => t.to === "active"),
  );
  // The batch's rows take their nodes' names once the provider answers for the whole batch.
  const row = await waitUntil(`the worker ${first.actor} recorded as a node of the fleet`, async () =>
    (await liveRows()).find((r) => r.name === first.actor && r.providerId),
  );
  const id = row.providerId!;

  // Its user data as `fleet user-data` prints it: the node's own, but never its token.
  const nodeToken = JSON.parse(readFileSync(join(dir, "nodes", `${id}.json`), "utf8")).env
    .CLOUDBURST_WORKER_TOKEN as string;
  assert.match(nodeToken, /^cb_/);
  const userData = await call("GET", `/api/fleet/nodes/${id}/user-data`);
  assert.equal(userData.status, 200);
  const shown = JSON.stringify(userData.body);
  assert.ok(shown.includes(row.name) && shown.includes(dataRole.url), shown);
  assert.ok(!shown.includes(nodeToken), "the node's token is not shown");
  assert.match(String(userData.body["userData"]), /redacted/);
  // Its worker log, from where the provider keeps it.
  const log = await call("GET", `/api/fleet/nodes/${id}/log`);
  assert.equal(log.status, 200);
  assert.match(String(log.body["log"]), / ready: queue /);

  assert.equal((await call("DELETE", `/api/fleet/nodes/${id}`, false)).status, 401);
  const destroyed = await call("DELETE", `/api/fleet/nodes/${id}`);
  assert.equal(destroyed.status, 202, JSON.stringify(destroyed.body));
  assert.deepEqual(destroyed.body, { node: row.name, id, cycle: "c1", state: "destroying" });
  const again = await call("DELETE", `/api/fleet/nodes/${id}`);
  assert.equal(again.status, 409, "a second click is no second destroy");
  assert.match(String(again.body["message"]), /is destroying/);

  const aborted = await waitUntil(
    "the task aborted",
    async () => (await transitions(db.pool, "/op/long")).find((t) => t.to === "aborted"),
    20_000,
  );
  assert.match(aborted.detail ?? "", /destroyed by an operator \(api:operator-ann\)/);
  const retry = await waitUntil("the retry active on another node", async () =>
    (await transitions(db.pool, "/op/long")).find((t) => t.to === "active" && t.tryNo === 2),
  );
  assert.notEqual(retry.actor, row.name);
  await waitUntil("a node replacing the destroyed one", async () =>
    (await store.nodes(environment)).some((r) => r.name !== retry.actor && r.name !== row.name),
  );
  await waitUntil("the node gone from the provider", async () => (await provider.getNode(id)) === null);
  await waitUntil("its record destroyed", async () =>
    (await store.nodes(environment)).some((r) => r.providerId === id && r.state === "destroyed"),
  );
  await waitUntil(
    "its token revoked",
    async () =>
      (await db.pool.query("select 1 from api_token where node = $1 and revoked_at is not null", [row.name]))
        .rowCount === 1,
  );
  const audit = await db.pool.query("select actor, action, details from audit_log where subject = $1", [
    row.name,
  ]);
  assert.deepEqual(
    audit.rows.map((r) => [r.actor, r.action, r.details.id]),
    [["api:operator-ann", "fleet.destroy-node", id]],
  );

  // A node already destroyed, one we never had, and an id that is no id.
  assert.equal((await call("DELETE", `/api/fleet/nodes/${id}`)).status, 409);
  const unknown = await call("DELETE", "/api/fleet/nodes/local-nosuch");
  assert.equal(unknown.status, 404);
  assert.match(String(unknown.body["message"]), /no node local-nosuch of this environment on local/);
  assert.equal((await call("DELETE", "/api/fleet/nodes/a%20b")).status, 400);
  // Gone with its node on the provider, its log is still what its worker sent the data role.
  const kept = await call("GET", `/api/fleet/nodes/${id}/log`);
  assert.match(String(kept.body["log"]), new RegExp(`Z worker ${row.name} started: queues compute`));
  const record = await call("GET", `/api/fleet/records/${row.name}`);
  assert.equal(record.body["state"], "destroyed");
  assert.equal((await call("GET", "/api/fleet/records/cb-nosuch")).status, 404);

  await store.setCycleState(environment, "c1", "cancelled");
  fleet!.controller.nudge();
  await waitUntil("every node gone", async () => (await provider.listNodes()).length === 0);
});

test("a node's log is stored under its token's node, bounded to its newest lines", async () => {
  const lines = [{ at: new Date().toISOString(), line: "from an operator" }];
  const refused = await call("POST", "/api/worker/log", true, { lines });
  assert.equal(refused.status, 403);
  assert.match(String(refused.body["message"]), /the node's own token/);
  const nodeToken = await createNodeToken(db.pool, {
    node: "cb-logs-1",
    cycle: "c9",
    expiresAt: new Date(Date.now() + 60_000),
  });
  const send = async (batch: typeof lines) =>
    app.inject({
      method: "POST",
      url: "/api/worker/log",
      headers: { authorization: `Bearer ${nodeToken}` },
      payload: { lines: batch },
    });
  for (let i = 0; i < nodeLogLines / 500 + 1; i++) {
    const batch = Array.from({ length: 500 }, (_, j) => ({
      at: new Date().toISOString(),
      line: `line ${i * 500 + j}`,
    }));
    const sent = await send(batch);
    assert.equal(sent.statusCode, 200, sent.body);
  }
  const stored = await db.pool.query<{ n: string; first: string }>(
    "select count(*) as n, min(line) filter (where id = (select min(id) from node_log where node = $1)) as first from node_log where node = $1",
    ["cb-logs-1"],
  );
  assert.equal(Number(stored.rows[0]!.n), nodeLogLines);
  assert.equal(stored.rows[0]!.first, `line ${500 * (nodeLogLines / 500 + 1) - nodeLogLines}`);
  // The protocol's limits hold at the edge.
  assert.equal((await send(Array.from({ length: 501 }, () => lines[0]!))).statusCode, 400);
});
