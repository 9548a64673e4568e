// The command line finds its installation as git finds a repository, and only `cloudburst init` makes an
// embedded PostgreSQL: a command run in the wrong directory says where it looked and what to do.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { isAlive } from "../../src/system/processes.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

/** The live postmaster of the data directory's cluster, if any. */
function postmasterRunning(dataDir: string): boolean {
  const pidFile = join(dataDir, "postgres", "postmaster.pid");
  return existsSync(pidFile) && isAlive(Number(readFileSync(pidFile, "utf8").split("\n")[0]));
}

describe("finding the installation", () => {
  it("takes the nearest cloudburst.yaml or .cloudburst/ up the tree, --config and CLOUDBURST_CONFIG first", () => {
    const root = tempDir();
    const deep = join(root, "a", "b");
    mkdirSync(deep, { recursive: true });
    assert.equal(loadConfig({ cwd: deep, env: {} }).installation, null);
    assert.equal(loadConfig({ cwd: deep, env: {} }).dataDir, join(deep, ".cloudburst"));

    mkdirSync(join(root, ".cloudburst"));
    const bare = loadConfig({ cwd: deep, env: {} });
    assert.deepEqual([bare.installation, bare.file, bare.dataDir], [root, null, join(root, ".cloudburst")]);

    writeFileSync(join(root, "a", "cloudburst.yaml"), "dataDir: state\n");
    const nearer = loadConfig({ cwd: deep, env: {} });
    assert.equal(nearer.file, join(root, "a", "cloudburst.yaml"));
    assert.equal(nearer.dataDir, join(root, "a", "state"));

    const other = join(tempDir(), "other.yaml");
    writeFileSync(other, "server:\n  port: 9\n");
    assert.equal(loadConfig({ cwd: deep, env: { CLOUDBURST_CONFIG: other } }).server.port, 9);
    assert.equal(loadConfig({ cwd: deep, env: { CLOUDBURST_CONFIG: "" }, file: other }).file, other);
  });
});

describe("a command that needs a database where there is none", () => {
  it("says so and how to make one, and makes nothing", async () => {
    const dir = tempDir();
    const result = await runCli(["cycles", "ls"], { cwd: dir, env: { DATABASE_URL: "" } });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /no cloudburst installation here: no cloudburst\.yaml or \.cloudburst\/ in \S+ or any directory above it/,
    );
    assert.match(result.stderr, /what to do: run `cloudburst init`/);
    assert.deepEqual(readdirSync(dir), [], "nothing was made");
    const server = await runCli(["server", "--port", "0"], { cwd: dir, env: { DATABASE_URL: "" } });
    assert.equal(server.code, 1);
    assert.match(server.stderr, /cloudburst init/);
    const nodes = await runCli(["fleet", "ls"], { cwd: dir, env: { DATABASE_URL: "" } });
    assert.equal(nodes.code, 1);
    assert.match(nodes.stderr, /no cloudburst installation here/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it("in an installation without its database, names the command that makes it", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "site.yaml"), "dataDir: state\n");
    const result = await runCli(["--config", "site.yaml", "token", "ls"], {
      cwd: dir,
      env: { DATABASE_URL: "" },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`no database in ${join(dir, "state")}`));
    assert.match(result.stderr, /run `cloudburst --config site\.yaml init` to create one/);
    assert.equal(existsSync(join(dir, "state")), false);
  });

  it("next to a demo's installation, says exactly what to pass to reach it", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, ".cloudburst/demo"), { recursive: true });
    writeFileSync(join(dir, ".cloudburst/demo/demo.yaml"), "dataDir: .\n");
    const result = await runCli(["cycles", "ls"], { cwd: dir, env: { DATABASE_URL: "" } });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /pass --config \.cloudburst\/demo\/demo\.yaml \(or export CLOUDBURST_CONFIG=\/\S+\/\.cloudburst\/demo\/demo\.yaml\)/,
    );
  });
});

describe("cloudburst init", () => {
  it("makes the configuration, the data directory and the database, found from below; again, it changes nothing", async () => {
    const dir = tempDir();
    const env = { DATABASE_URL: "" };
    const made = await runCli(["init"], { cwd: dir, env });
    assert.equal(made.code, 0, made.stderr);
    assert.match(
      made.stdout,
      /created .*cloudburst\.yaml\ncreated .*\.cloudburst\ncreated .*\.cloudburst\/postgres\n/,
    );
    assert.match(made.stdout, /schema version \d+/);
    const configText = readFileSync(join(dir, "cloudburst.yaml"), "utf8");
    assert.equal(loadConfig({ cwd: dir, env: {} }).server.port, 8080);
    assert.equal(readFileSync(join(dir, ".cloudburst/.gitignore"), "utf8"), "*\n");
    assert.ok(existsSync(join(dir, ".cloudburst/postgres/PG_VERSION")));
    assert.equal(postmasterRunning(join(dir, ".cloudburst")), false, "init leaves no PostgreSQL running");

    const below = join(dir, "products", "today");
    mkdirSync(below, { recursive: true });
    const listed = await runCli(["cycles", "ls", "--json"], { cwd: below, env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), []);

    const again = await runCli(["init"], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^already an installation: /);
    assert.equal(readFileSync(join(dir, "cloudburst.yaml"), "utf8"), configText);
  });

  it("makes one in DIR, or for the file --config names", async () => {
    const dir = tempDir();
    const result = await runCli(["init", "site", "--json"], { cwd: dir, env: { DATABASE_URL: "" } });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { config: string; dataDir: string };
    assert.equal(report.config, join(dir, "site/cloudburst.yaml"));
    assert.equal(report.dataDir, join(dir, "site/.cloudburst"));
    assert.equal((await runCli(["init", "x", "--config", "y.yaml"], { cwd: dir })).code, 2);
  });
});
