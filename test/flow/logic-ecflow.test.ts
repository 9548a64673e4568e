// The logic against a real ecflow_server (halted, so it submits nothing): tasks are forced into
// states with `ecflow_client --force`, and every family's and suite's state ecFlow computes must be
// the one we compute; the generated variables it shows must be the ones we generate.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseDefs } from "../../src/flow/def/parser.ts";
import { beginRuntime, displayState, nodeState } from "../../src/flow/logic/state.ts";
import { generatedVariables } from "../../src/flow/logic/variables.ts";
import { allTasks, walk } from "../../src/flow/model/tree.ts";
import type { NodeState, RuntimeState } from "../../src/flow/model/types.ts";
import { type EcflowServer, parseEcflowState, startEcflowServer } from "./fixtures/ecflow-server.ts";

const DEF = `suite prop
  family f1
    task a
    task b
    family g
      task c
      task d
    endfamily
  endfamily
  family f2
    family h
      task e
    endfamily
    task f
  endfamily
  task t
endsuite
`;

describe("state propagation and generated variables against ecflow_server", () => {
  let server: EcflowServer;
  const dir = mkdtempSync(join(tmpdir(), "cb-flow-prop-"));
  before(async () => {
    server = await startEcflowServer();
    writeFileSync(join(dir, "prop.def"), DEF);
    assert.equal((await server.client([`--load=${join(dir, "prop.def")}`])).code, 0);
    assert.equal((await server.client(["--begin=prop"])).code, 0);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("computes every container's state as ecFlow does, over random task states", async () => {
    const defs = parseDefs(DEF, "prop.def");
    const suite = defs.suites[0];
    assert.ok(suite);
    const runtime: RuntimeState = beginRuntime(suite, new Date());
    const tasks = allTasks(defs);
    const states: NodeState[] = ["queued", "submitted", "active", "complete", "aborted", "unknown"];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let compared = 0;
    for (let round = 0; round < 12; round++) {
      // Force two or three tasks into new states; sometimes suspend or resume one.
      for (let k = 0; k < 2 + random(2); k++) {
        const task = tasks[random(tasks.length)];
        assert.ok(task);
        const state = states[random(states.length)] as NodeState;
        const r = await server.client([`--force=${state}`, task.path]);
        assert.equal(r.code, 0, r.stderr);
        const rt = runtime.nodes.get(task.path);
        runtime.nodes.set(task.path, { ...(rt ?? { state }), state });
      }
      if (round % 4 === 3) {
        const task = tasks[random(tasks.length)];
        assert.ok(task);
        const suspended = runtime.nodes.get(task.path)?.suspended === true;
        assert.equal((await server.client([suspended ? "--resume" : "--suspend", task.path])).code, 0);
        const rt = runtime.nodes.get(task.path);
        runtime.nodes.set(task.path, { ...(rt ?? { state: "queued" }), suspended: !suspended });
      }
      const got = await server.client(["--get_state=/prop"]);
      assert.equal(got.code, 0, got.stderr);
      const theirs = parseEcflowState(got.stdout);
      for (const node of walk(defs)) {
        const their = theirs.get(node.path);
        assert.ok(their, `ecFlow shows no ${node.path}`);
        const ours = nodeState(node, runtime);
        assert.equal(ours, their.state, `round ${round}: ${node.path}`);
        assert.equal(
          their.suspended,
          displayState(node, runtime) === "suspended" && node.kind === "task",
          node.path,
        );
        compared++;
      }
    }
    assert.ok(compared >= 100);
  });

  it("generates the variables ecFlow generates, with the same values", async () => {
    const defs = parseDefs(DEF, "prop.def");
    const got = await server.client(["--get_state=/prop"]);
    const theirs = parseEcflowState(got.stdout);
    const calendar = /suiteTime:(\d{4})-(\w{3})-(\d{2}) (\d{2}):(\d{2})/.exec(got.stdout);
    assert.ok(calendar, "the suite's calendar");
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const now = new Date(
      Date.UTC(
        Number(calendar[1]),
        months.indexOf(calendar[2] as string),
        Number(calendar[3]),
        Number(calendar[4]),
        Number(calendar[5]),
      ),
    );
    let compared = 0;
    for (const node of walk(defs)) {
      const their = theirs.get(node.path)?.generated ?? {};
      const ours = generatedVariables(node, undefined, now, defs);
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(their).sort(), node.path);
      for (const [name, value] of Object.entries(their)) {
        if (name === "ECF_TIME" || name === "TIME") continue; // the minute may have moved on
        assert.equal(ours[name], value, `${node.path} ${name}`);
        compared++;
      }
    }
    assert.ok(compared > 50);
  });
});
