// README "Deploying" → "CloudSigma", run as written: its configuration (with the provider's URL, the
// data role's address and the certificate pointed at this test's), then its commands in order, against
// the CloudSigma simulator and a real PostgreSQL, as an operator types them on the control host.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { type RunningSimulator, startCloudSigmaSimulator } from "../../src/sim/cloudsigma/index.ts";
import { cliPath, projectRoot, tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

function cloudSigmaSection(): string {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const section = readme.split(/^### CloudSigma\n/m)[1]?.split(/^## /m)[0];
  assert.ok(section, 'README.md has a "### CloudSigma" part under "## Deploying"');
  return section;
}

function blocks(section: string, language: string): string[] {
  return [...section.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\``, "gm"))].map(
    (b) => b[1]!,
  );
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe("Deploying on CloudSigma (README), against the simulator", () => {
  const dir = tempDir("cb-deploy-cloudsigma-");
  let sim: RunningSimulator;
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    sim = await startCloudSigmaSimulator({ timeScale: 0.01, launchGuests: false, stateFile: null });
    db = await createTestDatabase();
    // The data server the configuration names, as the operator made it once.
    sim.state.servers.create([{ name: "cloudburst-data", cpu: 2000, mem: 4 * 2 ** 30, vnc_password: "x" }]);
    const [yamlBlock] = blocks(cloudSigmaSection(), "yaml");
    const config = parse(yamlBlock!) as {
      server: { tls: { certFile: string; keyFile: string } };
      fleet: { workerServerUrl: string; cloudsigma: { apiUrl: string; privateVlan: string } };
    };
    // What differs here: the simulator's URL and VLAN, loopback for the data role, a certificate of ours.
    const tls = join(dir, "tls");
    mkdirSync(tls);
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
        ...["-keyout", join(tls, "server.key"), "-out", join(tls, "server.crt")],
      ],
      { stdio: "ignore" },
    );
    config.server.tls.certFile = join(tls, "server.crt");
    config.server.tls.keyFile = join(tls, "server.key");
    config.fleet.workerServerUrl = "https://127.0.0.1:9";
    config.fleet.cloudsigma.apiUrl = sim.url;
    config.fleet.cloudsigma.privateVlan = sim.state.data.seeded!.vlan;
    writeFileSync(join(dir, "cloudburst.yaml"), stringify(config));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "cloudburst"), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
    chmodSync(join(bin, "cloudburst"), 0o755);
    env = {
      ...process.env,
      PATH: `${bin}:${process.env["PATH"]}`,
      CLOUDBURST_CONFIG: join(dir, "cloudburst.yaml"),
      DATABASE_URL: db.url,
      CLOUDSIGMA_USERNAME: sim.credentials.username,
      CLOUDSIGMA_PASSWORD: sim.credentials.password,
    };
  });

  after(async () => {
    await sim?.stop();
    await db?.drop();
  });

  it("runs every command of the README's CloudSigma part, each with what it is for", async () => {
    const commands = blocks(cloudSigmaSection(), "sh").flatMap((b) =>
      b
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    );
    const outcomes = new Map<string, Run>();
    for (const command of commands) {
      const run = await sh(command, dir, env);
      assert.equal(run.code, 0, `${command}\n${run.stdout}${run.stderr}`);
      assert.doesNotMatch(run.stdout + run.stderr, new RegExp(sim.credentials.password));
      outcomes.set(command, run);
      if (command === "cloudburst fleet ls") {
        // The trial node is up, with its NIC on the private VLAN.
        const trial = sim.state.servers.list().filter((s) => s.name.includes("trial"));
        assert.equal(trial.length, 1, run.stdout);
        assert.ok(trial[0]!.nics.some((n) => JSON.stringify(n).includes(sim.state.data.seeded!.vlan)));
      }
    }
    assert.deepEqual(
      [...outcomes.keys()].map((c) => c.split(" ").slice(0, 3).join(" ")),
      commands.map((c) => c.split(" ").slice(0, 3).join(" ")),
    );
    assert.match(outcomes.get("cloudburst fleet ls --all")!.stdout, /cloudburst-golden/);
    assert.match(outcomes.get("cloudburst fleet golden ls")!.stdout, /cloudburst-golden/);
    const userData = outcomes.get("cloudburst fleet user-data compute")!.stdout;
    assert.match(userData, /^#cloud-config/);
    // The data role's VLAN address, with the port of its URL; the node's own address on its second NIC.
    assert.match(userData, /CLOUDBURST_SERVER_URL=https:\/\/10\.10\.0\.2:9/);
    assert.match(userData, /addresses: \[10\.10\.0\.10\/24\]/);
    assert.match(userData, /CLOUDBURST_SERVER_FINGERPRINT=([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    assert.doesNotMatch(userData, /postgres|DATABASE_URL|PASSWORD/i);
    // After `fleet down`: nothing of the trial left, and `fleet leaks` says so.
    assert.deepEqual(
      sim.state.servers
        .list()
        .map((s) => s.name)
        .sort(),
      ["cloudburst-data", "cloudburst-golden"],
    );
  });
});
