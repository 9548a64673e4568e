// The user data a node boots with: cloud-init that runs the worker (under systemd, or in the
// foreground where there is none), the operators' keys and no passwords.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { cloudInitUserData, workerArguments } from "../../src/fleet/userdata.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

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
  // The node first takes its server's release, then, where systemctl does not exist, runs the worker
  // itself from that file.
  const bin = tempDir("cb-userdata-");
  const out = join(bin, "args");
  const envFile = join(bin, "worker.env");
  writeFileSync(envFile, env!.content);
  writeFileSync(
    join(bin, "cloudburst"),
    `#!/bin/sh\necho "$CLOUDBURST_SERVER_URL $CLOUDBURST_WORKER_TOKEN $@" >> ${out}\n`,
  );
  chmodSync(join(bin, "cloudburst"), 0o755);
  const run = spawnSync(
    "/bin/sh",
    ["-ec", config.runcmd.join("\n").replaceAll("/etc/cloudburst/worker.env", envFile)],
    {
      env: { PATH: `${bin}:/nonexistent` },
      encoding: "utf8",
    },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.equal(
    spawnSync("cat", [out], { encoding: "utf8" }).stdout.trim(),
    `http://10.1.0.2:8080 ${token} upgrade\nhttp://10.1.0.2:8080 ${token} worker --concurrency 2`,
  );
});

test("fleet user-data compute prints what a node boots with: the HTTPS URL, the pinned fingerprint, no credential", async () => {
  const dir = tempDir("cb-userdata-cli-");
  const config = join(dir, "cloudburst.yaml");
  writeFileSync(
    config,
    "server:\n  publicUrl: https://10.1.0.2:8443\n  tls:\n    enabled: true\nfleet:\n  provider: cloudsigma\n",
  );
  const env = { CLOUDSIGMA_USERNAME: "operator@fmi.fi", CLOUDSIGMA_PASSWORD: "not-to-be-printed" };
  const apiUrl = ["--api-url", "http://127.0.0.1:9/api/2.0/"];
  const text = await runCli(["--config", config, "fleet", "user-data", "compute", ...apiUrl], { env });
  assert.equal(text.code, 0, text.stderr);
  const cloudConfig = parse(text.stdout) as { write_files: Array<{ content: string }> };
  const workerEnv = cloudConfig.write_files[0]!.content;
  assert.match(workerEnv, /^CLOUDBURST_SERVER_URL=https:\/\/10\.1\.0\.2:8443$/m);
  assert.match(workerEnv, /^CLOUDBURST_SERVER_FINGERPRINT=([0-9A-F]{2}:){31}[0-9A-F]{2}$/m);
  assert.match(workerEnv, /^CLOUDBURST_WORKER_TOKEN='<minted for each node at launch/m);
  assert.doesNotMatch(text.stdout, /postgres|DATABASE_URL|PASSWORD|not-to-be-printed/i);

  const json = await runCli(["--config", config, "fleet", "user-data", "compute", "--json", ...apiUrl], {
    env,
  });
  assert.equal(json.code, 0, json.stderr);
  const answer = JSON.parse(json.stdout) as { role: string; provider: string; userData: string };
  assert.equal(answer.role, "compute");
  assert.equal(answer.userData, text.stdout);

  const data = await runCli(["--config", config, "fleet", "user-data", "data", ...apiUrl], { env });
  assert.equal(data.code, 1);
  assert.match(
    data.stderr,
    /what to do: set fleet.controlUrl to the address the data server reaches the control role at/,
  );
  const wrong = await runCli(["--config", config, "fleet", "user-data", "gpu"], { env });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /one of compute, data/);
});
