import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "../helpers/cli.ts";

describe("command line", () => {
  it("--help lists every command with one line each and exits 0", async () => {
    const result = await runCli(["--help"]);
    assert.equal(result.code, 0);
    for (const command of ["demo", "server", "config", "token"]) {
      assert.match(result.stdout, new RegExp(`^\\s+${command}\\b.*\\S`, "m"), command);
    }
  });

  it("every command has --help", async () => {
    for (const args of [["server"], ["demo"], ["config", "check"], ["token", "create"]]) {
      const result = await runCli([...args, "--help"]);
      assert.equal(result.code, 0, args.join(" "));
      assert.match(result.stdout, /Usage:/);
    }
  });

  it("a usage error exits 2", async () => {
    assert.equal((await runCli(["no-such-command"])).code, 2);
    assert.equal((await runCli(["server", "--port", "http"])).code, 2);
    assert.equal((await runCli(["token", "create"])).code, 2);
  });
});
