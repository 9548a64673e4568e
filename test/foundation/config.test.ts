import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig, maskUrlPassword, parseConfigText } from "../../src/config/load.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

describe("configuration", () => {
  it("applies defaults when no file exists", () => {
    const config = loadConfig({ cwd: tempDir(), env: {} });
    assert.equal(config.file, null);
    assert.equal(config.server.host, "127.0.0.1");
    assert.equal(config.server.port, 8080);
    assert.equal(config.databaseUrl, null);
    assert.match(config.dataDir, /\.cloudburst$/);
  });

  it("names the file, line, key path and expectation for a wrong type", () => {
    assert.throws(
      () => parseConfigText("/etc/cb.yaml", "server:\n  port: eighty\n"),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /\/etc\/cb\.yaml:2:\d+: server\.port: .*number/);
        return true;
      },
    );
  });

  it("rejects an unknown key by name", () => {
    assert.throws(
      () => parseConfigText("c.yaml", "server:\n  hots: 0.0.0.0\n"),
      (error: unknown) => error instanceof ConfigError && /server.*hots/.test(error.message),
    );
  });

  it("takes DATABASE_URL from the environment and validates it", () => {
    const config = parseConfigText("c.yaml", "", { DATABASE_URL: "postgres://u:p@127.0.0.1:5/db" });
    assert.equal(config.databaseUrl, "postgres://u:p@127.0.0.1:5/db");
    assert.throws(() => parseConfigText("c.yaml", "", { DATABASE_URL: "mysql://x" }), ConfigError);
  });

  it("resolves dataDir relative to the configuration file", () => {
    const config = parseConfigText("/srv/cb/cloudburst.yaml", "dataDir: state\n");
    assert.equal(config.dataDir, "/srv/cb/state");
  });

  it("masks passwords in URLs", () => {
    assert.equal(maskUrlPassword("postgres://user:secret@h:5432/db"), "postgres://user:****@h:5432/db");
  });

  it("`config check` exits 1 naming the file and key; `config show` masks the secret", async () => {
    const dir = tempDir();
    const file = join(dir, "cloudburst.yaml");
    writeFileSync(file, "log:\n  level: loud\n");
    const bad = await runCli(["config", "check"], { cwd: dir });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /cloudburst\.yaml:2:\d+: log\.level/);

    writeFileSync(file, "server:\n  port: 9999\n");
    const good = await runCli(["config", "check"], { cwd: dir });
    assert.equal(good.code, 0, good.stderr);
    const shown = await runCli(["--config", file, "config", "show", "--json"], {
      cwd: tempDir(),
      env: { DATABASE_URL: "postgres://me:hunter2@127.0.0.1:1/x" },
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.doesNotMatch(shown.stdout, /hunter2/);
    assert.equal(JSON.parse(shown.stdout).server.port, 9999);
  });

  it("a missing file named by CLOUDBURST_CONFIG is an error", async () => {
    const result = await runCli(["config", "check"], { env: { CLOUDBURST_CONFIG: "/nonexistent/cb.yaml" } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /nonexistent\/cb\.yaml/);
  });

  it("an empty CLOUDBURST_CONFIG names no file: the defaults apply", async () => {
    const result = await runCli(["config", "check"], { cwd: tempDir(), env: { CLOUDBURST_CONFIG: "" } });
    assert.equal(result.code, 0, result.stderr);
  });
});
