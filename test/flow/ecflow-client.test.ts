// cloudburst's `ecflow_client`: ecFlow's command lines read as ecflow_client reads them, task commands
// become child reports, operator commands the cloudburst commands that do the same, and anything else
// exits 1 saying what is supported. (Jobs that call it run in ecflow-scripts.test.ts.)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { operatorCommand, parseCommandLine, taskEvent } from "../../src/worker/ecflow-client.ts";
import { tempDir } from "../helpers/cli.ts";

const shim = resolve(import.meta.dirname, "../../src/worker/ecflow-client.ts");

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [shim, ...args],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const cmd = (...argv: string[]) => {
  const c = parseCommandLine(argv);
  assert.ok(c, argv.join(" "));
  return c;
};

describe("ecflow_client for cloudburst jobs", () => {
  it("reads the task commands of head.h, tail.h and ecFlow's manual", () => {
    assert.deepEqual(taskEvent(cmd("--init=4242")), { type: "init", worker: "pid 4242" });
    assert.deepEqual(taskEvent(cmd("--event=ev")), { type: "event", name: "ev", value: true });
    assert.deepEqual(taskEvent(cmd("--event", "ev", "clear")), { type: "event", name: "ev", value: false });
    assert.deepEqual(taskEvent(cmd("--meter=step", "12")), { type: "meter", name: "step", value: 12 });
    assert.deepEqual(taskEvent(cmd("--label=info", "two words")), {
      type: "label",
      name: "info",
      value: "two words",
    });
    assert.deepEqual(taskEvent(cmd("--label=info", "two", "words")), {
      type: "label",
      name: "info",
      value: "two words",
    });
    assert.deepEqual(taskEvent(cmd("--complete")), { type: "complete" });
    assert.deepEqual(taskEvent(cmd("--abort=trap")), { type: "abort", reason: "trap" });
    assert.deepEqual(taskEvent(cmd("--wait=/s/t == complete")), {
      type: "wait",
      expression: "/s/t == complete",
    });
    assert.deepEqual(taskEvent(cmd("--queue=q", "active")), { type: "queue", name: "q", action: "active" });
    assert.deepEqual(taskEvent(cmd("--queue=q", "complete", "003", "/s/f")), {
      type: "queue",
      name: "q",
      action: "complete",
      step: "003",
      path: "/s/f",
    });
    // Where to find ecflow_server does not matter: the worker's socket is in the environment.
    assert.deepEqual(taskEvent(cmd("--host=h", "--port", "3141", "--complete")), { type: "complete" });
    assert.match(String(taskEvent(cmd("--meter=step", "x"))), /an integer/);
    assert.match(String(taskEvent(cmd("--queue=q", "complete"))), /needs the step/);
  });

  it("maps operator commands to cloudburst's own", () => {
    assert.deepEqual(operatorCommand(cmd("--load=x.def")), ["suite", "load", "x.def"]);
    assert.deepEqual(operatorCommand(cmd("--load=x.def", "force")), ["suite", "load", "x.def", "--replace"]);
    assert.deepEqual(operatorCommand(cmd("--load=x.def", "check_only")), ["suite", "check", "x.def"]);
    assert.deepEqual(operatorCommand(cmd("--replace=/s", "x.def")), ["suite", "load", "x.def", "--replace"]);
    assert.deepEqual(operatorCommand(cmd("--begin=s")), ["suite", "begin", "s"]);
    assert.deepEqual(operatorCommand(cmd("--requeue=force", "/s/f")), [
      "suite",
      "requeue",
      "/s/f",
      "--force",
    ]);
    assert.deepEqual(operatorCommand(cmd("--suspend=/s/f")), ["suite", "suspend", "/s/f"]);
    assert.deepEqual(operatorCommand(cmd("--resume", "/s/f")), ["suite", "resume", "/s/f"]);
    assert.deepEqual(operatorCommand(cmd("--force=complete", "/s/f/t")), [
      "suite",
      "force",
      "complete",
      "/s/f/t",
    ]);
    assert.deepEqual(operatorCommand(cmd("--run=/s/t")), ["suite", "rerun", "/s/t"]);
    assert.deepEqual(operatorCommand(cmd("--kill=/s/t")), ["suite", "kill", "/s/t"]);
    assert.deepEqual(operatorCommand(cmd("--free-dep", "/s/t")), ["suite", "free", "/s/t", "--trigger"]);
    assert.deepEqual(operatorCommand(cmd("--free-dep=all", "/s/t")), ["suite", "free", "/s/t", "--all"]);
    assert.deepEqual(operatorCommand(cmd("--delete=force", "yes", "/s")), [
      "suite",
      "delete",
      "s",
      "--force",
    ]);
    assert.deepEqual(operatorCommand(cmd("--alter", "change", "variable", "V", "1", "/s/t")), [
      "suite",
      "set",
      "/s/t",
      "V",
      "1",
    ]);
    assert.deepEqual(operatorCommand(cmd("--why=/s/t")), ["suite", "why", "/s/t"]);
    assert.deepEqual(operatorCommand(cmd("--get=/s")), ["suite", "show", "/s"]);
    assert.match(String(operatorCommand(cmd("--force=submitted", "/s/t"))), /supported for complete/);
    assert.match(
      String(operatorCommand(cmd("--alter", "change", "meter", "m", "1", "/s/t"))),
      /variables only/,
    );
    assert.match(String(operatorCommand(cmd("--delete=/s/f"))), /whole suites only/);
    assert.match(String(operatorCommand(cmd("--restore=/s"))), /--restore is not supported by cloudburst/);
  });

  it("runs as ecflow_client does: NO_ECF, a mapped command's exit code, 1 and why for the rest", async () => {
    assert.equal((await run(["--init=1"], { NO_ECF: "1" })).code, 0);
    const outside = await run(["--event=ev"], { CLOUDBURST_SUITE_ID: "", ECF_NAME: "" });
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /^ecflow_client: not inside a task: CLOUDBURST_SUITE_ID, ECF_NAME/);
    const dir = tempDir();
    writeFileSync(
      join(dir, "ok.def"),
      "suite s\n  task t\n    trigger t2 == complete\n  task t2\nendsuite\n",
    );
    writeFileSync(join(dir, "bad.def"), "suite s\n  task t\n    time 25:00\nendsuite\n");
    const ok = await run([`--load=${join(dir, "ok.def")}`, "check_only"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ok: .*ok\.def: 1 suite\(s\), 3 nodes, 2 tasks/);
    const bad = await run([`--load=${join(dir, "bad.def")}`, "check_only"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bad\.def:3:10: hour 25 is out of range 0-23/);
    const unknown = await run(["--news"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /--news is not supported by cloudburst \(task commands: --init/);
  });
});
