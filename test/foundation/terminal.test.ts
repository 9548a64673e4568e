// What a person at a terminal sees: human log lines (JSON when the output is a pipe, or with --json),
// secrets masked in either, and a progress line that is cleared before anything else is printed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { StatusLine } from "../../src/cli/output.ts";
import { humanLine, logDestination } from "../../src/system/log.ts";
import { cliPath, runCli, spawnCli, stopChild, tempDir, waitForOutput } from "../helpers/cli.ts";
import { shownLines } from "./screen.ts";

/** A stand-in for a terminal stream: what was written, in order. */
function fakeTerminal(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const terminal = {
    isTTY,
    columns: 40,
    text: "",
    write(chunk: string) {
      terminal.text += chunk;
      return true;
    },
  };
  return terminal as unknown as NodeJS.WriteStream & { text: string };
}

describe("log lines", () => {
  const record = {
    level: 40,
    time: Date.UTC(2026, 10, 24, 5, 45, 1),
    pid: 1,
    hostname: "h",
    msg: "FTP login refused",
    user: "ecmwf",
    ip: "127.0.0.1",
  };

  it("are one short human line per record on a terminal", () => {
    assert.equal(
      humanLine(JSON.stringify(record)),
      "05:45:01Z WARN  FTP login refused  user=ecmwf  ip=127.0.0.1",
    );
    const request = {
      level: 30,
      time: 0,
      reqId: "req-7",
      req: { method: "GET", url: "/api/x" },
      msg: "incoming request",
    };
    assert.equal(humanLine(JSON.stringify(request)), "00:00:00Z INFO  incoming request [req-7] GET /api/x");
    const failed = {
      level: 50,
      time: 0,
      msg: "sweep failed",
      err: { type: "Error", message: "disk full", stack: "…" },
    };
    assert.equal(humanLine(JSON.stringify(failed)), '00:00:00Z ERROR sweep failed  err="Error: disk full"');
    assert.equal(humanLine("not json"), "not json");
  });

  it("mask URL passwords and query tokens, as JSON or human lines", () => {
    for (const human of [true, false]) {
      const lines: string[] = [];
      const sink = logDestination({ human, write: (line) => lines.push(line) });
      const leaky = {
        ...record,
        url: "ftp://deliv:pw-secret-1@h/in",
        hook: "https://h/x?token=tok-secret-2",
      };
      const text = `${JSON.stringify(leaky)}\n`;
      sink.write(text.slice(0, 20));
      sink.write(text.slice(20));
      assert.equal(lines.length, 1);
      assert.doesNotMatch(lines[0]!, /pw-secret-1|tok-secret-2/);
      assert.match(lines[0]!, human ? /^05:45:01Z WARN / : /^\{"level":40/);
    }
  });
});

describe("the progress line", () => {
  it("is cleared before a line is printed and drawn again under it", () => {
    const terminal = fakeTerminal(true);
    const status = new StatusLine(terminal);
    status.update("preparing the stream: 3/3 files");
    status.print("web UI: http://127.0.0.1:1/ui/");
    status.update("files 1/3  jobs 0/11");
    status.done();
    assert.deepEqual(shownLines(terminal.text), ["web UI: http://127.0.0.1:1/ui/"]);
    status.print("cycle complete");
    assert.deepEqual(shownLines(terminal.text), ["web UI: http://127.0.0.1:1/ui/", "cycle complete"]);
  });

  it("is not drawn off a terminal, and is cut to the terminal's width", () => {
    const pipe = fakeTerminal(false);
    const quiet = new StatusLine(pipe);
    quiet.update("files 1/3");
    quiet.print("a notice");
    quiet.done();
    assert.equal(pipe.text, "a notice\n");
    const narrow = fakeTerminal(true);
    new StatusLine(narrow).update("x".repeat(100));
    assert.equal(narrow.text, `\r\x1b[2K${"x".repeat(39)}`);
  });
});

describe("the control server's log", () => {
  it("is human on a terminal and JSON in a pipe", async () => {
    const dir = tempDir();
    assert.equal((await runCli(["init"], { cwd: dir, env: { DATABASE_URL: "" } })).code, 0);
    // script(1) gives the server a terminal.
    const onTerminal = spawn(
      "script",
      ["-qfec", `"${process.execPath}" "${cliPath}" server --port 0`, "/dev/null"],
      {
        cwd: dir,
        env: { ...process.env, DATABASE_URL: "" },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const ready = await waitForOutput(onTerminal, /^.*server ready.*$/m);
    assert.match(ready, /^\d\d:\d\d:\d\dZ INFO {2}server ready {2}url=http:\/\/127\.0\.0\.1:\d+/);
    await stopChild(onTerminal, "SIGTERM");

    const piped = spawnCli(["server", "--port", "0"], { cwd: dir, env: { DATABASE_URL: "" } });
    assert.match(await waitForOutput(piped, /^.*server ready.*$/m), /^\{"level":30,/);
    await stopChild(piped);
  });
});
