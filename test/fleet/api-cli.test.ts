// The fleet through its HTTP API (operator's N, cycle states, reconcile, costs, leaks) and its CLI
// (`fleet ls` against the simulator, `fleet inventory` read by the real `ansible-inventory`).
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { FastifyInstance } from "fastify";
import { createToken } from "../../src/auth/tokens.ts";
import { parseConfigText } from "../../src/config/load.ts";
import type { Database } from "../../src/db/database.ts";
import { type FleetService, startFleet } from "../../src/fleet/service.ts";
import { buildApp } from "../../src/server/app.ts";
import { type RunningSimulator, startCloudSigmaSimulator } from "../../src/sim/cloudsigma/index.ts";
import { cliPath, runCli, tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
let app: FastifyInstance;
let fleet: FleetService | null;
let token: string;
let sim: RunningSimulator;
const dir = tempDir("cb-fleet-api-");

before(async () => {
  db = await createTestDatabase();
  const config = parseConfigText(
    join(dir, "cloudburst.yaml"),
    [
      "fleet:",
      "  environment: apitest",
      "  nodePricePerHour: 0.5",
      "  reconcileIntervalSeconds: 3600",
      "  local:",
      '    command: ["node", "-e", "setInterval(() => {}, 1000)", "--"]',
      '    readyText: ""',
    ].join("\n"),
  );
  fleet = await startFleet(config, { pool: db.pool } as Database, {
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    workerAccess: () => ({ serverUrl: "http://127.0.0.1:9", fingerprint: null }),
  });
  app = await buildApp({ pool: db.pool, fleet });
  token = await createToken(db.pool, "fleet-test");
  sim = await startCloudSigmaSimulator({ timeScale: 0.01, launchGuests: false, stateFile: null });
});

after(async () => {
  await app.close();
  await fleet?.stop();
  await sim.stop();
  await db.drop();
});

async function call(method: "GET" | "PUT" | "POST", url: string, payload?: unknown) {
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> & unknown[] };
}

/** A reconcile pass over the API; asked again while another pass (the controller's own loop) holds the lock. */
async function reconcile() {
  for (;;) {
    const r = await call("POST", "/api/fleet/reconcile");
    if (r.body["skipped"] !== true) return r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("HTTP API", () => {
  test("plan a cycle, change N, reconcile, report processed, and the nodes go", async () => {
    const dataAt = new Date(Date.now() + 30_000).toISOString();
    let r = await call("PUT", "/api/fleet/cycles/2026-11-24T18Z", { dataAt, computeNodes: 1 });
    assert.equal(r.status, 200);
    r = await call("PUT", "/api/fleet/compute-nodes", { computeNodes: 2, cycle: "2026-11-24T18Z" });
    assert.deepEqual(r.body, { changed: 1, computeNodes: 2 });
    // The controller's own loop may have made the first node already: the two are there after our pass.
    r = await reconcile();
    assert.equal(r.status, 200);
    r = await call("GET", "/api/fleet/nodes");
    assert.equal(r.body.length, 2);
    r = await call("GET", "/api/fleet/cycles");
    assert.equal((r.body[0] as { computeNodes: number }).computeNodes, 2);
    r = await call("POST", "/api/fleet/cycles/2026-11-24T18Z/state", { state: "processed" });
    assert.equal(r.body["state"], "processed");
    r = await reconcile();
    assert.equal(r.status, 200);
    r = await call("GET", "/api/fleet/costs");
    const cycles = r.body["cycles"] as Array<{ nodes: number; live: number; nodeSeconds: number }>;
    assert.equal(cycles[0]?.nodes, 2);
    assert.equal(cycles[0]?.live, 0);
    r = await call("GET", "/api/fleet/leaks");
    assert.equal(r.body["orphans"], 0);
  });

  test("bad input is a 400 that says what and where", async () => {
    const r = await call("PUT", "/api/fleet/compute-nodes", { computeNodes: -1 });
    assert.equal(r.status, 400);
    assert.match(String(r.body["message"]), /computeNodes/);
    const unknown = await call("POST", "/api/fleet/cycles/nope/state", { state: "processed" });
    assert.equal(unknown.status, 404);
  });
});

describe("CLI", () => {
  const simEnv = () => ({
    CLOUDSIGMA_USERNAME: sim.credentials.username,
    CLOUDSIGMA_PASSWORD: sim.credentials.password,
  });

  test("fleet ls --all --json lists the simulator's servers; credentials never printed", async () => {
    const r = await runCli(
      ["fleet", "ls", "--all", "--json", "--provider", "cloudsigma", "--api-url", sim.url],
      {
        cwd: dir,
        env: simEnv(),
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const nodes = JSON.parse(r.stdout) as Array<{ name: string; provider: string }>;
    assert.deepEqual(
      nodes.map((n) => n.name),
      ["cloudburst-golden"],
    );
    assert.ok(!r.stdout.includes(sim.credentials.password) && !r.stderr.includes(sim.credentials.password));
  });

  test("wrong credentials: exit 1 with the code, its meaning, the runbook and what to do", async () => {
    const config = join(dir, "runbooks.yaml");
    writeFileSync(config, 'alerts:\n  runbooks:\n    "401": https://wiki.example.org/cloud/401\n');
    const r = await runCli(
      ["--config", config, "fleet", "ls", "--provider", "cloudsigma", "--api-url", sim.url],
      {
        cwd: dir,
        env: { CLOUDSIGMA_USERNAME: "nobody@example.org", CLOUDSIGMA_PASSWORD: "wrong-password" },
      },
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HTTP 401/);
    assert.match(r.stderr, /credentials are incorrect or missing/);
    assert.match(r.stderr, /what to do: check CLOUDSIGMA_USERNAME/);
    assert.match(r.stderr, /runbook: https:\/\/wiki\.example\.org\/cloud\/401/);
    assert.ok(!r.stderr.includes("wrong-password"));
  });

  test("no credentials at all: a clear error", async () => {
    const r = await runCli(["fleet", "ls", "--provider", "cloudsigma", "--api-url", sim.url], {
      cwd: dir,
      env: { CLOUDSIGMA_USERNAME: "", CLOUDSIGMA_PASSWORD: "", CLOUDSIGMA_TOKEN: "" },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no CloudSigma credentials/);
  });

  test("fleet inventory speaks Ansible's dynamic-inventory protocol", async (t) => {
    if (spawnSync("ansible-inventory", ["--version"]).status !== 0) {
      t.diagnostic(
        "ansible-inventory is not installed (apt-get install -y ansible-core): checking the JSON only",
      );
    }
    const config = join(dir, "inventory.yaml");
    writeFileSync(
      config,
      [
        "fleet:",
        "  environment: inv",
        "  provider: cloudsigma",
        "  cloudsigma:",
        `    apiUrl: ${sim.url}`,
        "    dataServer: cloudburst-golden",
        "    goldenServer: cloudburst-golden",
      ].join("\n"),
    );
    const list = await runCli(["--config", config, "fleet", "inventory", "--list"], {
      cwd: dir,
      env: simEnv(),
    });
    assert.equal(list.code, 0, list.stderr);
    const inventory = JSON.parse(list.stdout) as Record<string, { hosts?: string[] }>;
    assert.deepEqual(inventory["dataserver"]?.hosts, ["cloudburst-golden"]);
    assert.deepEqual(inventory["compute"]?.hosts, []);
    const host = await runCli(["--config", config, "fleet", "inventory", "--host", "cloudburst-golden"], {
      cwd: dir,
      env: simEnv(),
    });
    assert.equal((JSON.parse(host.stdout) as Record<string, string>)["cloudburst_role"], "data");

    if (spawnSync("ansible-inventory", ["--version"]).status === 0) {
      // Ansible runs an executable inventory script with --list and --host.
      const script = join(dir, "inventory.sh");
      writeFileSync(
        script,
        `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" --config "${config}" fleet inventory "$@"\n`,
      );
      chmodSync(script, 0o755);
      // Asynchronously: the simulator answering the script runs in this very process.
      const ansible = await promisify(execFile)("ansible-inventory", ["-i", script, "--list"], {
        env: { ...process.env, ...simEnv() },
        encoding: "utf8",
        timeout: 60_000,
      });
      const parsed = JSON.parse(ansible.stdout) as Record<string, { hosts?: string[] }> & {
        _meta: { hostvars: Record<string, Record<string, string>> };
      };
      assert.deepEqual(parsed["dataserver"]?.hosts, ["cloudburst-golden"]);
      assert.equal(parsed._meta.hostvars["cloudburst-golden"]?.["cloudburst_role"], "data");
    }
  });
});
