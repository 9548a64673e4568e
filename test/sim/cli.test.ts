// `cloudburst sim cloudsigma` as an operator runs it: prints where it listens, serves the API, keeps
// the account in the data directory, stops cleanly on SIGTERM, and refuses a bad fault spec.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";

test("sim cloudsigma --json: serves the API with the given credentials, persists, stops on SIGTERM", async () => {
  const cwd = tempDir();
  const root = process.getuid?.() === 0;
  let bridge: string | null = null;
  const child = spawnCli(["sim", "cloudsigma", "--json", "--time-scale", "0.01", "--faults", "seed=1"], {
    cwd,
    env: { CLOUDSIGMA_USERNAME: "ops@example.com", CLOUDSIGMA_PASSWORD: "s3cret-pw" },
  });
  try {
    const printed = JSON.parse(await waitForOutput(child, /\{[\s\S]*\n\}/)) as Record<string, unknown>;
    assert.equal(printed["username"], "ops@example.com");
    assert.match(printed["url"] as string, /^http:\/\/127\.0\.0\.1:\d+\/api\/2\.0\/$/);
    const auth = `Basic ${Buffer.from("ops@example.com:s3cret-pw").toString("base64")}`;
    const res = await fetch(`${printed["url"]}servers/?limit=0`, { headers: { Authorization: auth } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { objects: Array<{ name: string }> };
    assert.deepEqual(
      body.objects.map((o) => o.name),
      ["cloudburst-golden"],
    );
    const bearer = await fetch(`${printed["url"]}balance/`, {
      headers: { Authorization: `Bearer ${printed["token"]}` },
    });
    assert.equal(bearer.status, 200);
    // As root, its VLAN: the subnet for fleet.vlan and the host's address on it, on a bridge of its own.
    const vlan = printed["vlan"] as { subnet: string; hostAddress: string } | null;
    if (root) {
      assert.match(vlan!.subnet, /^198\.1[89]\.\d+\.0\/24$/);
      bridge = execFileSync("ip", ["-o", "address", "show", "to", vlan!.hostAddress], { encoding: "utf8" });
      assert.match(bridge, /: cbv[0-9a-z]{7}\s+inet /);
    }
  } finally {
    assert.equal(await stopChild(child), 0);
  }
  if (root) {
    const name = /: (cbv[0-9a-z]{7})/.exec(bridge!)![1]!;
    assert.equal(spawnSync("ip", ["link", "show", name]).status, 1, `${name} is removed on SIGTERM`);
  }
  assert.ok(existsSync(join(cwd, ".cloudburst/sim/cloudsigma/state.json")));
});

test("sim cloudsigma rejects a bad --faults with a clear message", async () => {
  const result = await runCli(["sim", "cloudsigma", "--faults", "outage=soon"], { cwd: tempDir() });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--faults: outage: expected AT\+DURATION/);
});
