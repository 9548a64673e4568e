// The user data a node boots with: cloud-init that runs the worker (under systemd, or in the
// foreground where there is none), the operators' keys and no passwords.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { cloudInitUserData, workerArguments } from "../../src/fleet/userdata.ts";
import { tempDir } from "../helpers/cli.ts";

const launch = {
  serverUrl: "http://10.1.0.2:8080",
  nodeName: "cb-prod-2026112400z",
  environment: "prod",
  cycle: "2026-11-24T00Z",
};

test("the worker's arguments come from the configurable template", () => {
  // None by default: a worker takes its node's name from its environment or host name.
  assert.deepEqual(workerArguments(launch), []);
  assert.deepEqual(workerArguments(launch, ["--name", "{nodeName}"]), ["--name", "cb-prod-2026112400z"]);
  assert.deepEqual(workerArguments(launch, ["--queue", "compute", "--tag", "{environment}/{cycle}"]), [
    "--queue",
    "compute",
    "--tag",
    "prod/2026-11-24T00Z",
  ]);
});

test("cloud-config: keys, no passwords, a systemd unit, and a foreground fallback that really runs", () => {
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB operator@fmi";
  const text = cloudInitUserData(
    { ...launch, databaseUrl: "postgresql://worker:s3cret@10.1.0.2:5432/cloudburst" },
    [key],
    ["--name", "{nodeName}", "--concurrency", "2"],
  );
  assert.ok(text.startsWith("#cloud-config\n"));
  const config = parse(text) as {
    ssh_pwauth: boolean;
    ssh_authorized_keys: string[];
    write_files: Array<{ path: string; content: string }>;
    runcmd: string[];
  };
  assert.equal(config.ssh_pwauth, false);
  assert.deepEqual(config.ssh_authorized_keys, [key]);
  const unit = config.write_files[0]!.content;
  assert.match(
    unit,
    /ExecStart=\/usr\/bin\/env cloudburst worker --name cb-prod-2026112400z --concurrency 2/,
  );
  assert.match(unit, /Environment="DATABASE_URL=postgresql:\/\/worker:s3cret@10\.1\.0\.2:5432\/cloudburst"/);
  // Where systemctl does not exist, the runcmd line execs the worker itself: run it with a stand-in.
  const bin = tempDir("cb-userdata-");
  const out = join(bin, "args");
  writeFileSync(join(bin, "cloudburst"), `#!/bin/sh\necho "$DATABASE_URL $@" > ${out}\n`);
  chmodSync(join(bin, "cloudburst"), 0o755);
  const run = spawnSync("/bin/sh", ["-c", config.runcmd[0]!], {
    env: { PATH: `${bin}:/nonexistent` },
    encoding: "utf8",
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(
    spawnSync("cat", [out], { encoding: "utf8" }).stdout.trim(),
    "postgresql://worker:s3cret@10.1.0.2:5432/cloudburst worker --name cb-prod-2026112400z --concurrency 2",
  );
});
