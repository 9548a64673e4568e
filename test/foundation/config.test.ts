import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig, parseConfigText } from "../../src/config/load.ts";
import { maskUrl, maskUrlsIn } from "../../src/system/secrets.ts";
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
    assert.equal(maskUrl("postgres://user:secret@h:5432/db"), "postgres://user:****@h:5432/db");
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

  it("masks URL passwords and secret query values in text, leaving the rest as written", () => {
    assert.equal(
      maskUrlsIn(
        "push to ftp://deliv:s3cret@10.0.0.1:21/in failed; see https://x.org/a?b=1&access_token=abc#c",
      ),
      "push to ftp://deliv:****@10.0.0.1:21/in failed; see https://x.org/a?b=1&access_token=****#c",
    );
    assert.equal(
      maskUrl("https://h/x?sig=abc&X-Amz-Signature=def&hostkey=SHA256:k&n=1"),
      "https://h/x?sig=****&X-Amz-Signature=****&hostkey=SHA256:k&n=1",
    );
    assert.equal(
      maskUrl("https://hooks.slack.com/services/T0/B0/XYZ?x=1", { path: true }),
      "https://hooks.slack.com/****",
    );
    assert.equal(maskUrlsIn("no url here: user:pass@host"), "no url here: user:pass@host");
  });

  it("`config show` masks every secret it prints: webhook URLs, URL passwords, query tokens", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "cloudburst.yaml"),
      [
        "alerts:",
        "  webhook:",
        "    url: https://hooks.slack.com/services/T000/B000/webhooksecret1",
        "fleet:",
        "  cloudsigma:",
        "    apiUrl: https://zrh.cloudsigma.com/api/2.0/?token=querysecret2",
        "cycle:",
        "  destination: ftp://deliv@products.example.org/incoming",
        "",
      ].join("\n"),
    );
    for (const args of [
      ["config", "show"],
      ["config", "show", "--json"],
    ]) {
      const shown = await runCli(args, {
        cwd: dir,
        env: { DATABASE_URL: "postgres://me:dbsecret3@127.0.0.1:1/x" },
      });
      assert.equal(shown.code, 0, shown.stderr);
      for (const secret of ["webhooksecret1", "querysecret2", "dbsecret3", "T000/B000"])
        assert.ok(!shown.stdout.includes(secret), `${args.join(" ")} shows ${secret}`);
      assert.match(shown.stdout, /https:\/\/hooks\.slack\.com\/\*\*\*\*/);
      assert.match(shown.stdout, /ftp:\/\/deliv@products\.example\.org\/incoming/);
    }
  });

  it("`config check` refuses a password in a destination URL and names the variable to use", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "cloudburst.yaml"), "cycle:\n  destination: ftp://deliv:hunter22@10.1.2.3/in\n");
    const result = await runCli(["config", "check"], { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /cloudburst\.yaml:2:\d+: cycle\.destination: a password in a URL .*remove it from the URL and put it in DELIVERY_PASSWORD/,
    );
    assert.doesNotMatch(result.stderr, /hunter22/);
    assert.throws(
      () => parseConfigText("c.yaml", "alerts:\n  webhook:\n    url: https://u:pw@h/hook\n"),
      /alerts\.webhook\.url: a password in a URL/,
    );
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
