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

test("cloud-config: keys, no database, the node's own token in a 0600 file, and a foreground fallback that really runs", () => {
  const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB operator@fmi";
  const token = "cb_nodeToken123";
  const fingerprint = "AB:".repeat(31) + "CD";
  const text = cloudInitUserData({ ...launch, token, fingerprint }, [key], ["--concurrency", "2"]);
  assert.ok(text.startsWith("#cloud-config\n"));
  assert.doesNotMatch(text, /postgres|DATABASE_URL|PASSWORD/i, "no database credential ever reaches a node");
  const config = parse(text) as {
    hostname: string;
    ssh_pwauth: boolean;
    ssh_authorized_keys: string[];
    write_files: Array<{ path: string; permissions: string; content: string }>;
    runcmd: string[];
  };
  assert.equal(config.hostname, launch.nodeName);
  assert.equal(config.ssh_pwauth, false);
  assert.deepEqual(config.ssh_authorized_keys, [key]);
  const [env] = config.write_files;
  assert.equal(env!.path, "/etc/cloudburst/worker.env");
  assert.equal(env!.permissions, "0600");
  assert.match(env!.content, /^CLOUDBURST_SERVER_URL=http:\/\/10\.1\.0\.2:8080$/m);
  assert.match(env!.content, new RegExp(`^CLOUDBURST_WORKER_TOKEN=${token}$`, "m"));
  assert.match(env!.content, new RegExp(`^CLOUDBURST_SERVER_FINGERPRINT=${fingerprint}$`, "m"));
  // Where systemctl does not exist, the runcmd line runs the worker itself from that file.
  const bin = tempDir("cb-userdata-");
  const out = join(bin, "args");
  const envFile = join(bin, "worker.env");
  writeFileSync(envFile, env!.content);
  writeFileSync(
    join(bin, "cloudburst"),
    `#!/bin/sh\necho "$CLOUDBURST_SERVER_URL $CLOUDBURST_WORKER_TOKEN $@" > ${out}\n`,
  );
  chmodSync(join(bin, "cloudburst"), 0o755);
  const run = spawnSync(
    "/bin/sh",
    ["-c", config.runcmd[0]!.replaceAll("/etc/cloudburst/worker.env", envFile)],
    {
      env: { PATH: `${bin}:/nonexistent` },
      encoding: "utf8",
    },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.equal(
    spawnSync("cat", [out], { encoding: "utf8" }).stdout.trim(),
    `http://10.1.0.2:8080 ${token} worker --concurrency 2`,
  );
});
