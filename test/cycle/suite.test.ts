import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cycleSuiteName, firstDataAt } from "../../src/cycle/names.ts";
import { cycleSuiteDefinition } from "../../src/cycle/suite.ts";
import { checkDefs } from "../../src/flow/def/check.ts";
import { parseDefs } from "../../src/flow/def/parser.ts";
import { printDefs } from "../../src/flow/def/printer.ts";
import { findNode, walk, walkNode } from "../../src/flow/model/tree.ts";
import { waitUntil } from "../flow/engine-helpers.ts";
import { parseEcflowState, startEcflowServer } from "../flow/fixtures/ecflow-server.ts";
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
    // Four jobs may wait in the queue for each of the 3 nodes' 2 slots.
    assert.match(text, /limit compute 24/);
    assert.match(text, /task stop_data_server\n\s+trigger deliver == complete/);
    // The compute goes only once every product is made and every step received (or forced by an operator).
    const teardown = findNode(defs, "/cycle_20261124_12/teardown")!;
    assert.equal(teardown.trigger?.parts[0]?.text, "products == complete and ingest == complete");
    // text -> model -> text is stable
    assert.equal(printDefs(parseDefs(printDefs(defs))), printDefs(defs));
  });

  it("receives the data in an ingest task whose step meter each step family triggers on", () => {
    const defs = checkDefs(cycleSuiteDefinition(options), "cycle.def");
    const receive = findNode(defs, "/cycle_20261124_12/ingest/receive")!;
    assert.equal(receive.kind, "task");
    assert.equal(receive.trigger?.parts[0]?.text, "../data_server/start == complete");
    // -1 until step 0 is in; the last planned step when all are.
    assert.deepEqual(receive.meters, [{ name: "step", min: -1, max: 3, threshold: 3 }]);
    const variables = Object.fromEntries(receive.variables.map((v) => [v.name, v.value]));
    assert.equal(variables["CB_ACTION"], "cycle.ingest");
    assert.equal(variables["CB_QUEUE"], "control");
    // On the suite: the ingest and every product job read the planned steps.
    const suiteVariables = Object.fromEntries(defs.suites[0]!.variables.map((v) => [v.name, v.value]));
    assert.equal(suiteVariables["CB_STEPS"], "0,1,2,3");
    const steps = [...walk(defs)].filter((n) => /\/products\/step_\d+$/.test(n.path));
    assert.deepEqual(
      steps.map((n) => `${n.name}: ${n.trigger?.parts.map((p) => p.text).join(" ")}`),
      [0, 1, 2, 3].map((s) => `step_00${s}: ../ingest/receive:step ge ${s}`),
    );
    // The products family still waits for the compute; the data gate per input stays in cloudburst.
    assert.equal(
      findNode(defs, "/cycle_20261124_12/products")!.trigger?.parts[0]?.text,
      "fleet/provision == complete",
    );
    const task = findNode(defs, "/cycle_20261124_12/products/step_002/rr1h")!;
    assert.equal(
      task.variables.find((v) => v.name === "CB_WAIT_FOR")?.value,
      "catalogue:inputs product=rr1h step=%STEP%",
    );
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

  it("loads into a real ecFlow, which reads the step triggers on the ingest meter", () => {
    const file = join(tempDir(), "cycle.def");
    writeFileSync(file, cycleSuiteDefinition(options));
    // check_only resolves every trigger's node and meter, as a server's load does.
    execFileSync("ecflow_client", [`--load=${file}`, "check_only"], { stdio: "pipe" });
    // What ecFlow read, as it prints it (its server variables before the suite left out).
    const printed = execFileSync("ecflow_client", [`--load=${file}`, "print"], { encoding: "utf8" });
    const theirs = parseDefs(printed.slice(printed.indexOf("\nsuite ")), "ecflow.def");
    const receive = findNode(theirs, "/cycle_20261124_12/ingest/receive")!;
    assert.deepEqual(receive.meters, [{ name: "step", min: -1, max: 3, threshold: 3 }]);
    for (const step of [0, 1, 2, 3])
      assert.equal(
        findNode(theirs, `/cycle_20261124_12/products/step_00${step}`)?.trigger?.parts[0]?.text,
        `../ingest/receive:step ge ${step}`,
      );
  });

  it("in a real ecflow_server, holds each step's products until the ingest meter reaches the step", async () => {
    const server = await startEcflowServer();
    try {
      const suite = `/${cycleSuiteName(options.baseTime)}`;
      const file = join(tempDir(), "cycle.def");
      writeFileSync(file, cycleSuiteDefinition(options));
      const client = async (...args: string[]) => {
        const r = await server.client(args);
        assert.equal(r.code, 0, `ecflow_client ${args.join(" ")}: ${r.stderr}`);
      };
      const states = async () => {
        const r = await server.client([`--get_state=${suite}`]);
        return parseEcflowState(r.stdout);
      };
      /** Product tasks ecFlow has let go (it has no scripts for them: they abort at once). */
      const released = async () =>
        [...(await states()).entries()]
          .filter(
            ([path, s]) => path.includes("/products/step_") && s.kind === "task" && s.state !== "queued",
          )
          .map(([path]) => path.slice(`${suite}/products/`.length))
          .sort();
      await client(`--load=${file}`);
      await client("--restart");
      await client(`--begin=${suite.slice(1)}`);
      // The data server is up and the compute is ready: the ingest task is let go, the products are not.
      await client("--force=complete", `${suite}/data_server/start`, `${suite}/fleet/provision`);
      await waitUntil(
        "ecFlow submits ingest/receive",
        async () => (await states()).get(`${suite}/ingest/receive`)?.state !== "queued",
        10_000,
      );
      assert.deepEqual(await released(), []);
      await client("--alter", "change", "meter", "step", "0", `${suite}/ingest/receive`);
      await waitUntil("step 0's products", async () => (await released()).length === 1, 10_000);
      assert.deepEqual(await released(), ["step_000/windvector"]);
      await client("--alter", "change", "meter", "step", "2", `${suite}/ingest/receive`);
      await waitUntil("step 2's products", async () => (await released()).length === 5, 10_000);
      assert.deepEqual(await released(), [
        "step_000/windvector",
        "step_001/rr1h",
        "step_001/windvector",
        "step_002/rr1h",
        "step_002/windvector",
      ]);
    } finally {
      await server.stop();
    }
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
    assert.match(result.stdout, /limit compute 32/);
    assert.match(result.stdout, /family step_003\n/);
    assert.doesNotMatch(result.stdout, /step_004/);
    // Each step's heaviest product first, in the tree and in the queue: model levels write 8 fields a
    // step (pressure and humidity at 4 levels), wind 6 (speed and direction at 3 levels), stability 5
    // (K-index, three totals, Showalter), humidity 3, rain, rain rate, 2 m temperature and θw 1. An
    // earlier step's jobs all come before a later step's (step 3 is the last of four).
    const step3 = findNode(parseDefs(result.stdout, "cycle.def"), "/cycle_20261124_06/products/step_003")!;
    const tasks = [...walkNode(step3)].filter((n) => n.kind === "task");
    assert.deepEqual(
      tasks.map((t) => [t.name, t.variables.find((v) => v.name === "CB_PRIORITY")?.value]),
      [
        ["model_levels", "108"],
        ["windvector", "106"],
        ["stability", "105"],
        ["relative_humidity", "103"],
        ["precipitation_1h", "101"],
        ["precipitation_rate", "101"],
        ["t2m_celsius", "101"],
        ["theta_w", "101"],
      ],
    );
    const step0 = findNode(parseDefs(result.stdout, "cycle.def"), "/cycle_20261124_06/products/step_000")!;
    const light = [...walkNode(step0)].find((n) => n.name === "t2m_celsius")!;
    assert.equal(light.variables.find((v) => v.name === "CB_PRIORITY")?.value, "401");
    assert.equal((await runCli(["cycle", "def", "--steps", "soon"])).code, 1);
  });
});
