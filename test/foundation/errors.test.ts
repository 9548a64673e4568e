// How the command line fails: an expected failure is one line with what to do, a stack trace only with
// --debug, and a reader that goes away (`| head`) ends the command quietly.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FtpReceiver } from "../../src/ingest/receivers/ftp.ts";
import { type CliResult, runCli, spawnCli, tempDir } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { startTestReceiver } from "../ingest/ftp-receiver.ts";

const stackFrame = /^\s+at /m;

describe("failures on the command line", () => {
  let ftp: FtpReceiver;
  const file = join(tempDir(), "T-K.grib");
  before(async () => {
    writeFileSync(file, "not much");
    ftp = await startTestReceiver({
      user: "products",
      passwordEnv: "ERRORS_TEST_FTP_PASSWORD",
      env: { ERRORS_TEST_FTP_PASSWORD: "the-right-password" },
    });
  });
  after(() => ftp.stop());

  it("`deliver` with a wrong FTP password: one line, what to do, no stack trace", async () => {
    const args = ["deliver", file, "--to", `ftp://products@127.0.0.1:${ftp.port}/out`];
    const env = { DELIVERY_PASSWORD: "a-wrong-password" };
    const result = await runCli(args, { env });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^cloudburst: .*T-K\.grib: not delivered to ftp:\/\/products@127\.0\.0\.1.*530/m,
    );
    assert.match(result.stderr, /what to do: check the user in --to and the password in DELIVERY_PASSWORD/);
    assert.doesNotMatch(result.stderr, stackFrame);
    assert.doesNotMatch(result.stderr, /a-wrong-password/);
    assert.equal(result.stderr.trim().split("\n").length, 2, result.stderr);

    const debug = await runCli(["--debug", ...args], { env });
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, stackFrame);
  });

  it("a message quoting a URL masks its password", async () => {
    const result = await runCli(["deliver", file, "--to", "ftp://u:quoted-secret-9@[bad/x"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ftp:\/\/u:\*\*\*\*@/);
    assert.doesNotMatch(result.stderr, /quoted-secret-9/);
  });

  it("an unforeseen failure is one line pointing at --debug", async () => {
    // A spool under a file fails deep in the simulator, with no hint of its own.
    const result = await runCli([
      "sim",
      "ecmwf",
      "--prepare",
      "/dev/null/spool",
      "--steps",
      "0",
      "--grid",
      "2",
    ]);
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stderr, stackFrame);
    assert.equal(
      result.stderr,
      "cloudburst: ENOTDIR: not a directory, mkdir '/dev/null/spool'\n  (run again with --debug for the stack trace)\n",
    );
  });
});

describe("a reader that goes away", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  /** Runs the command with its standard output closed before it writes, as `| head` does after a line. */
  function withClosedOutput(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
    const child = spawnCli(args, { env });
    child.stdout!.destroy();
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin!.end();
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout: "", stderr })));
  }

  for (const args of [
    ["fields", "ls"],
    ["config", "show"],
  ]) {
    it(`\`${args.join(" ")} | head\` ends quietly`, async () => {
      const result = await withClosedOutput(args, { DATABASE_URL: db.url });
      assert.equal(result.stderr, "");
      assert.equal(result.code, 0);
    });
  }
});
