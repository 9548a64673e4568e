// `fleet up`, `down`, `costs` and `leaks` as an operator runs them against the CloudSigma simulator
// (issue 17): failures exit 1 and name what failed; a request that got no node is neither live in the
// costs nor waited on by `down`; and the reproduction (503 bursts at a 30 % rate, `fleet up 6`)
// ends, after `fleet down`, with no row left live and no tag of ours left on the account.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { FaultSpec } from "../../src/sim/cloudsigma/faults.ts";
import { runCli, tempDir } from "../helpers/cli.ts";
import { simulatorAndDatabase } from "./helpers.ts";

const world = simulatorAndDatabase();
const dir = tempDir("cb-fleet-cli-");

/** Runs `cloudburst fleet ...` for `environment` against the simulator, with `faults` in force. */
async function fleet(environment: string, args: string[], faults: FaultSpec = {}) {
  const config = join(dir, `${environment}.yaml`);
  writeFileSync(
    config,
    [
      "fleet:",
      `  environment: ${environment}`,
      "  provider: cloudsigma",
      "  cloudsigma:",
      `    apiUrl: ${world.sim.url}`,
      "    goldenServer: cloudburst-golden",
      "    pollIntervalMs: 20",
      "    retry: { attempts: 8, baseMs: 5, maxMs: 40 }",
      "",
    ].join("\n"),
  );
  world.sim.state.setFaults(faults, world.sim.state.now(), false);
  try {
    return await runCli(["--config", config, "fleet", ...args], {
      cwd: dir,
      env: { DATABASE_URL: world.db.url, CLOUDSIGMA_TOKEN: world.sim.credentials.token },
    });
  } finally {
    world.sim.state.setFaults({}, world.sim.state.now(), false);
  }
}

const ourTags = (environment: string) =>
  Object.values(world.sim.state.data.tags).filter((t) => t.name === `cloudburst-env=${environment}`);

test("up and down exit 1 and say what failed; costs count no node for a request that got none", async () => {
  const noTags: FaultSpec = { errors503: { rate: 1, burst: 1, methods: ["POST"], path: "^/tags/$" } };
  let r = await fleet("cliout", ["up", "2"], noTags);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /created 0, destroyed 0, failed 2/);
  assert.match(r.stderr, /^failed: a node for manual: cloudsigma POST \/tags\/ failed with HTTP 503/m);
  r = await fleet("cliout", ["costs", "--json"]);
  const [cost] = (JSON.parse(r.stdout) as { cycles: Array<{ live: number; nodeSeconds: number }> }).cycles;
  assert.deepEqual([cost?.live, cost?.nodeSeconds], [0, 0]);

  r = await fleet("cliout", ["up", "2"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /created 2, destroyed 0, failed 0/);
  const noDeletes: FaultSpec = { errors503: { rate: 1, burst: 1, methods: ["DELETE"], path: "^/servers/" } };
  r = await fleet("cliout", ["down"], noDeletes);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error: destroy cb-cliout-manual-\S+: cloudsigma DELETE \/servers\/.* 503/m);
  r = await fleet("cliout", ["down"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /destroyed 2/);
  r = await fleet("cliout", ["leaks"]);
  assert.match(r.stdout, /0 orphan\(s\), 0 leak\(s\), 0 unresolved request\(s\)/);
  assert.deepEqual(ourTags("cliout"), []);
});

test("the issue's reproduction: 503 bursts at 30 %, fleet up 6, fleet down: nothing left waiting", async () => {
  const bursts: FaultSpec = { errors503: { rate: 0.3, burst: 3 }, seed: 17 };
  const up = await fleet("repro", ["up", "6", "--json"], bursts);
  const report = JSON.parse(up.stdout) as { created: string[]; failed: string[]; errors: string[] };
  assert.equal(up.code, report.failed.length + report.errors.length > 0 ? 1 : 0, up.stderr);
  assert.equal(report.created.length + report.failed.length, 6, up.stdout);
  const costs = JSON.parse((await fleet("repro", ["costs", "--json"])).stdout) as {
    cycles: Array<{ live: number; pending: number }>;
  };
  assert.equal(costs.cycles[0]?.pending, 0, "every request has its node or is done");
  // Teardown through the same bursts: each run does what it can; nothing waits on a request.
  let down = await fleet("repro", ["down"], bursts);
  for (let i = 0; i < 10 && down.code !== 0; i++) down = await fleet("repro", ["down"], bursts);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  const after = JSON.parse((await fleet("repro", ["costs", "--json"])).stdout) as {
    cycles: Array<{ live: number; pending: number }>;
  };
  assert.deepEqual([after.cycles[0]?.live, after.cycles[0]?.pending], [0, 0]);
  assert.deepEqual(ourTags("repro"), []);
});
