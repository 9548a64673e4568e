import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../../src/system/processes.ts";
import { cliPath, runCli, systemNode, tempDir, waitForOutput } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/database.ts";

describe("command line", () => {
  it("runs on the pinned Node even when started by the system's older one", () => {
    const result = spawnSync(systemNode(), [cliPath, "config", "show", "--json"], {
      encoding: "utf8",
      cwd: tempDir(),
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).server.host, "127.0.0.1");
  });

  it("a kill -9 of the older Node that handed over stops the pinned one it started", async () => {
    const db = await createTestDatabase();
    const wrapper = spawn(systemNode(), [cliPath, "server", "--port", "0"], {
      cwd: tempDir(),
      env: { ...process.env, DATABASE_URL: db.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let pinned = 0;
    try {
      const ready = await waitForOutput(wrapper, /\{[^\n]*server ready[^\n]*\}/);
      pinned = (JSON.parse(ready) as { pid: number }).pid;
      assert.notEqual(pinned, wrapper.pid, "the server runs in the pinned Node, a process of its own");
      wrapper.kill("SIGKILL");
      const deadline = Date.now() + 15_000;
      while (isAlive(pinned) && Date.now() < deadline) await sleep(100);
      assert.equal(isAlive(pinned), false, "the server stopped with the process that started it");
    } finally {
      if (pinned && isAlive(pinned)) process.kill(pinned, "SIGKILL");
      await db.drop();
    }
  });

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

  it("--version prints the release of package.json and exits 0", async () => {
    const result = await runCli(["--version"]);
    assert.equal(result.code, 0, result.stderr);
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8"));
    assert.equal(result.stdout.trim(), version);
  });

  it("a usage error exits 2", async () => {
    assert.equal((await runCli(["no-such-command"])).code, 2);
    assert.equal((await runCli(["server", "--port", "http"])).code, 2);
    assert.equal((await runCli(["token", "create"])).code, 2);
  });
});
