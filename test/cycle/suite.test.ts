import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { firstDataAt } from "../../src/cycle/runtime.ts";
import { cycleSuiteDefinition, cycleSuiteName } from "../../src/cycle/suite.ts";
import { parseDefs } from "../../src/flow/def/parser.ts";
import { printDefs } from "../../src/flow/def/printer.ts";
import { runCli, tempDir } from "../helpers/cli.ts";

const options = {
  baseTime: new Date("2026-11-24T12:00:00Z"),
  computeNodes: 3,
  products: [
    { name: "windvector", steps: [0, 1, 2, 3] },
    { name: "rr1h", steps: [1, 2, 3] },
  ],
};

describe("the default cycle suite", () => {
  it("expresses the thesis's timeline as a valid ecFlow definition", () => {
    const text = cycleSuiteDefinition(options);
    const defs = parseDefs(text, "cycle.def");
    const suite = defs.suites[0]!;
    assert.equal(suite.name, cycleSuiteName(options.baseTime));
    assert.equal(suite.name, "cycle_20261124_12");
    const paths = [...text.matchAll(/^\s*(task|family) (\S+)/gm)].map((m) => m[2]);
    assert.deepEqual(paths.slice(0, 4), ["data_server", "start", "fleet", "provision"]);
    assert.equal(paths.filter((p) => p === "windvector").length, 4);
    assert.equal(paths.filter((p) => p === "rr1h").length, 3);
    assert.ok(paths.indexOf("deliver") < paths.indexOf("stop_data_server"));
    assert.match(text, /limit compute 6/);
    assert.match(text, /task stop_data_server\n\s+trigger deliver == complete/);
    // text -> model -> text is stable
    assert.equal(printDefs(parseDefs(printDefs(defs))), printDefs(defs));
  });

  it("tells the fleet when the first data is due, so that compute starts ahead of it", () => {
    const due = new Date("2026-11-24T17:45:00Z");
    const text = cycleSuiteDefinition({ ...options, firstDataAt: due });
    const variables = Object.fromEntries(
      parseDefs(text, "cycle.def").suites[0]!.variables.map((v) => [v.name, v.value]),
    );
    assert.deepEqual(firstDataAt(variables), due);
    // Without it, the data is taken to be due when the fleet is asked for.
    const before = Date.now();
    assert.ok(firstDataAt({}).getTime() >= before);
    assert.throws(() => firstDataAt({ CB_FIRST_DATA: "at dawn" }), /CB_FIRST_DATA is "at dawn": expected/);
  });

  it("loads into a real ecFlow", () => {
    const file = join(tempDir(), "cycle.def");
    writeFileSync(file, cycleSuiteDefinition(options));
    execFileSync("ecflow_client", [`--load=${file}`, "check_only"], { stdio: "pipe" });
  });
});

describe("cloudburst cycle def", () => {
  it("prints the cycle suite with the built-in products for the chosen steps", async () => {
    const result = await runCli([
      "cycle",
      "def",
      "--steps",
      "0-3",
      "--base-time",
      "2026-11-24T06:00Z",
      "--nodes",
      "4",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const suite = parseDefs(result.stdout, "cycle.def").suites[0]!;
    assert.equal(suite.name, "cycle_20261124_06");
    assert.match(result.stdout, /limit compute 8/);
    assert.match(result.stdout, /family step_003\n/);
    assert.doesNotMatch(result.stdout, /step_004/);
    assert.equal((await runCli(["cycle", "def", "--steps", "soon"])).code, 1);
  });
});
