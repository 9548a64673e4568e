// State propagation as ecFlow computes it, the scheduling round (triggers, limits, suspend,
// complete expressions), repeats moving on, ECF_TRIES, variables, and why().
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDefs } from "../../src/flow/def/parser.ts";
import { advance } from "../../src/flow/logic/advance.ts";
import { flowLogic } from "../../src/flow/logic/index.ts";
import { limitUsage } from "../../src/flow/logic/limits.ts";
import { schedule, shouldRetry } from "../../src/flow/logic/schedule.ts";
import {
  beginRuntime,
  displayState,
  mostSignificant,
  nodeState,
  propagateState,
} from "../../src/flow/logic/state.ts";
import { allVariables, findVariable } from "../../src/flow/logic/variables.ts";
import { why } from "../../src/flow/logic/why.ts";
import { findNode } from "../../src/flow/model/tree.ts";
import type { Defs, NodeRuntime, NodeState, RuntimeState, Task } from "../../src/flow/model/types.ts";

const NOW = new Date("2024-03-04T12:00:00Z");

function begin(text: string): { defs: Defs; runtime: RuntimeState } {
  const defs = parseDefs(text, "t.def");
  const runtime: RuntimeState = { nodes: new Map() };
  for (const s of defs.suites) beginRuntime(s, NOW, runtime);
  return { defs, runtime };
}

function set(runtime: RuntimeState, path: string, patch: Partial<NodeRuntime> & { state?: NodeState }): void {
  const rt = runtime.nodes.get(path);
  assert.ok(rt, path);
  runtime.nodes.set(path, { ...rt, ...patch });
}

const paths = (tasks: { path: string }[]): string[] => tasks.map((t) => t.path);

/** Applies advance() until nothing changes, as the engine does. */
function settle(defs: Defs, runtime: RuntimeState, now = NOW): string[] {
  const details: string[] = [];
  for (let i = 0; i < 50; i++) {
    const changes = advance(defs, runtime, now);
    if (!changes.length) return details;
    for (const c of changes) {
      runtime.nodes.set(c.path, c.runtime);
      details.push(`${c.path}: ${c.detail}`);
    }
  }
  assert.fail("advance() did not settle");
}

describe("state propagation", () => {
  it("orders states as ecFlow: aborted > active > submitted > queued > complete > unknown", () => {
    assert.equal(mostSignificant(["complete", "queued"]), "queued");
    assert.equal(mostSignificant(["complete", "submitted", "queued"]), "submitted");
    assert.equal(mostSignificant(["submitted", "active"]), "active");
    assert.equal(mostSignificant(["active", "aborted", "complete"]), "aborted");
    assert.equal(mostSignificant(["complete", "unknown"]), "complete");
    assert.equal(mostSignificant([]), "unknown");
  });

  it("reproduces the family column of ecFlow's status table", () => {
    const { defs, runtime } = begin(
      "suite s\n  family family\n    task task1\n    task task2\n    task task3\n    task task4\n  endfamily\nendsuite\n",
    );
    const fam = findNode(defs, "/s/family");
    assert.ok(fam);
    const columns: [NodeState[], NodeState][] = [
      [["queued", "queued", "queued", "queued"], "queued"],
      [["submitted", "queued", "queued", "queued"], "submitted"],
      [["active", "submitted", "queued", "queued"], "active"],
      [["complete", "active", "active", "submitted"], "active"],
      [["complete", "active", "aborted", "submitted"], "aborted"],
      [["complete", "complete", "complete", "complete"], "complete"],
    ];
    for (const [tasks, want] of columns) {
      for (const [i, s] of tasks.entries()) set(runtime, `/s/family/task${i + 1}`, { state: s });
      assert.equal(nodeState(fam, runtime), want, tasks.join(","));
      const changed = propagateState(findNode(defs, "/s/family/task1") as Task, runtime);
      assert.equal(runtime.nodes.get("/s/family")?.state, want);
      assert.equal(runtime.nodes.get("/s")?.state, want);
      if (changed.length) assert.equal(changed[0]?.path, "/s/family");
    }
  });

  it("keeps suspension a flag: shown as suspended, not passed to parents", () => {
    const { defs, runtime } = begin(
      "suite s\n  family f\n    task a\n    task b\n      defstatus suspended\n  endfamily\nendsuite\n",
    );
    const b = findNode(defs, "/s/f/b");
    assert.ok(b);
    assert.equal(displayState(b, runtime), "suspended");
    assert.equal(nodeState(b, runtime), "queued");
    set(runtime, "/s/f/a", { state: "complete" });
    assert.equal(displayState(findNode(defs, "/s/f") as never, runtime), "queued");
  });

  it("begins with defstatus: a complete family completes its subtree", () => {
    const { runtime } = begin(
      "suite s\n  family f\n    defstatus complete\n    task a\n  endfamily\n  task b\n    defstatus complete\n  task c\nendsuite\n",
    );
    assert.equal(runtime.nodes.get("/s/f/a")?.state, "complete");
    assert.equal(runtime.nodes.get("/s/b")?.state, "complete");
    assert.equal(runtime.nodes.get("/s/c")?.state, "queued");
    assert.equal(runtime.nodes.get("/s")?.state, "queued");
  });
});

describe("scheduling", () => {
  it("submits queued tasks whose triggers hold, in definition order", () => {
    const { defs, runtime } = begin(
      "suite s\n  task a\n  task b\n    trigger a == complete\n  family f\n    trigger a == complete\n    task c\n  endfamily\n  task d\n    trigger a:go\n  task a2\n    event go\nendsuite\n".replace(
        "trigger a:go",
        "trigger a2:go",
      ),
    );
    assert.deepEqual(paths(flowLogic.readyTasks(defs, runtime, NOW)), ["/s/a", "/s/a2"]);
    set(runtime, "/s/a", { state: "complete" });
    set(runtime, "/s/a2", { state: "active", events: { go: true } });
    assert.deepEqual(paths(flowLogic.readyTasks(defs, runtime, NOW)), ["/s/b", "/s/f/c", "/s/d"]);
  });

  it("holds everything below a suspended node", () => {
    const { defs, runtime } = begin("suite s\n  family f\n    task a\n  endfamily\n  task b\nendsuite\n");
    set(runtime, "/s/f", { suspended: true });
    assert.deepEqual(paths(flowLogic.readyTasks(defs, runtime, NOW)), ["/s/b"]);
    assert.deepEqual(why(defs, "/s/f/a", runtime, NOW).reasons, ["parent /s/f is suspended: resume it"]);
  });

  it("keeps limits: tokens of submitted and active tasks, filled within one round", () => {
    const text =
      "suite s\n  limit work 2\n  family f\n    inlimit work\n    task a\n    task b\n    task c\n    task d\n      inlimit /s:work 2\n  endfamily\nendsuite\n";
    const { defs, runtime } = begin(text);
    assert.deepEqual(paths(flowLogic.readyTasks(defs, runtime, NOW)), ["/s/f/a", "/s/f/b"]);
    set(runtime, "/s/f/a", { state: "active" });
    assert.deepEqual(paths(flowLogic.readyTasks(defs, runtime, NOW)), ["/s/f/b"]);
    set(runtime, "/s/f/b", { state: "submitted" });
    assert.deepEqual(paths(flowLogic.readyTasks(defs, runtime, NOW)), []);
    const w = why(defs, "/s/f/c", runtime, NOW);
    assert.equal(w.free, false);
    assert.deepEqual(w.reasons, [
      "limit /s:work is full: 2 of 2 tokens in use by /s/f/a, /s/f/b, /s/f/c needs 1",
    ]);
    set(runtime, "/s/f/a", { state: "complete" });
    set(runtime, "/s/f/b", { state: "complete" });
    set(runtime, "/s/f/c", { state: "complete" });
    // As ecFlow's Limit, a task counts once per limit: its own inlimit (2 tokens) is the one taken.
    assert.deepEqual(paths(flowLogic.readyTasks(defs, runtime, NOW)), ["/s/f/d"]);
    set(runtime, "/s/f/d", { state: "active" });
    assert.deepEqual(limitUsage(defs, runtime).get("/s:work"), { used: 2, max: 2, users: ["/s/f/d"] });
  });

  it("counts a family with inlimit -n once", () => {
    const { defs, runtime } = begin(
      "suite s\n  limit fam 1\n  family f1\n    inlimit -n fam\n    task a\n    task b\n  endfamily\n  family f2\n    inlimit -n fam\n    task c\n  endfamily\nendsuite\n",
    );
    assert.deepEqual(paths(flowLogic.readyTasks(defs, runtime, NOW)), ["/s/f1/a", "/s/f1/b"]);
  });

  it("completes nodes whose complete expression holds, without running them", () => {
    const { defs, runtime } = begin(
      "suite s\n  task a\n    event skip\n  family f\n    complete a:skip\n    task b\n  endfamily\n  task c\n    complete a == aborted\nendsuite\n",
    );
    set(runtime, "/s/a", { state: "active", events: { skip: true } });
    const round = schedule(defs, runtime, NOW);
    assert.deepEqual(paths(round.complete), ["/s/f"]);
    assert.deepEqual(paths(round.submit), ["/s/c"]);
    const details = settle(defs, runtime);
    assert.equal(runtime.nodes.get("/s/f/b")?.state, "complete");
    assert.equal(runtime.nodes.get("/s/f")?.state, "complete");
    assert.ok(
      details.some((d) => d.startsWith("/s/f/b: complete expression holds: a:skip")),
      details.join("\n"),
    );
  });

  it("moves a repeat on when its family completes, and requeues below", () => {
    const { defs, runtime } = begin(
      "suite s\n  family f\n    repeat integer STEP 0 12 6\n    task a\n      event e\n    task b\n      trigger a == complete\n  endfamily\nendsuite\n",
    );
    const seen: string[] = [];
    for (let round = 0; round < 10; round++) {
      const ready = flowLogic.readyTasks(defs, runtime, NOW);
      if (!ready.length) break;
      for (const t of ready) {
        seen.push(`${t.name}@${findVariable(t, "STEP", runtime, NOW, defs)}`);
        set(runtime, t.path, { state: "complete", events: { e: true } });
      }
      settle(defs, runtime);
    }
    assert.deepEqual(seen, ["a@0", "b@0", "a@6", "b@6", "a@12", "b@12"]);
    assert.equal(runtime.nodes.get("/s/f")?.state, "complete");
    assert.equal(runtime.nodes.get("/s")?.state, "complete");
    assert.equal(runtime.nodes.get("/s/f")?.repeatIndex, 2);
  });

  it("retries an aborted task while ECF_TRYNO < ECF_TRIES", () => {
    const { defs, runtime } = begin(
      "suite s\n  edit ECF_TRIES 3\n  task a\n  task b\n    edit ECF_TRIES 1\nendsuite\n",
    );
    const a = findNode(defs, "/s/a") as Task;
    const b = findNode(defs, "/s/b") as Task;
    set(runtime, "/s/a", { state: "aborted", tryNo: 2 });
    assert.equal(shouldRetry(defs, a, runtime, NOW), true);
    set(runtime, "/s/a", { state: "aborted", tryNo: 3 });
    assert.equal(shouldRetry(defs, a, runtime, NOW), false);
    set(runtime, "/s/b", { state: "aborted", tryNo: 1, abortedReason: "killed by signal 9" });
    assert.equal(shouldRetry(defs, b, runtime, NOW), false);
    assert.deepEqual(why(defs, "/s/b", runtime, NOW).reasons, [
      "/s/b is aborted after try 1 of 1 (killed by signal 9): rerun or requeue it",
    ]);
  });
});

describe("why", () => {
  it("names the false parts of a trigger with the states they see", () => {
    const { defs, runtime } = begin(
      "suite s\n  family start\n    task prov\n      meter ready 0 16\n  endfamily\n  family proc\n    task products\n      trigger (../start eq complete or ../start/prov:ready ge 4) and not /s/other == aborted\n  endfamily\n  task other\nendsuite\n",
    );
    set(runtime, "/s/start/prov", { state: "active", meters: { ready: 2 } });
    const w = why(defs, "/s/proc/products", runtime, NOW);
    assert.equal(w.free, false);
    assert.deepEqual(w.reasons, [
      "/s/proc/products trigger is not satisfied: ../start == complete is false (/s/start is active); ../start/prov:ready >= 4 is false (/s/start/prov:ready is 2)",
    ]);
    set(runtime, "/s/start/prov", { meters: { ready: 5 } });
    set(runtime, "/s/other", { state: "aborted" });
    assert.deepEqual(why(defs, "/s/proc/products", runtime, NOW).reasons, [
      "/s/proc/products trigger is not satisfied: /s/other == aborted is true (/s/other is aborted)",
    ]);
    set(runtime, "/s/other", { state: "complete" });
    assert.deepEqual(why(defs, "/s/proc/products", runtime, NOW), {
      free: true,
      reasons: ["nothing holds /s/proc/products: the next scheduling round submits it"],
    });
  });

  it("names a parent's trigger, a time, and the node's own state", () => {
    const { defs, runtime } = begin(
      "suite s\n  task a\n  family f\n    trigger a == complete\n    task b\n      time 23:00\n  endfamily\nendsuite\n",
    );
    const reasons = why(defs, "/s/f/b", runtime, NOW).reasons;
    assert.deepEqual(reasons, [
      "parent /s/f trigger is not satisfied: a == complete is false (/s/a is queued)",
      "/s/f/b waits for time 23:00 (next at 2024-03-04T23:00Z)",
    ]);
    set(runtime, "/s/a", { state: "active" });
    assert.deepEqual(why(defs, "/s/a", runtime, NOW).reasons, [
      "/s/a is active: it is already running (try 0)",
    ]);
    set(runtime, "/s/a", { state: "submitted", tryNo: 2 });
    assert.match(
      why(defs, "/s/a", runtime, NOW).reasons[0]!,
      /^\/s\/a is submitted \(try 2\): its job waits in the queue/,
    );
    assert.deepEqual(why(defs, "/s/nope", runtime, NOW).reasons, ["there is no node /s/nope"]);
  });
});

describe("variables", () => {
  it("inherits edits from the nearest ancestor and generates ecFlow's variables", () => {
    const { defs, runtime } = begin(
      "suite x\n  edit TOPLEVEL 10\n  edit MIDDLE 10\n  edit LOWER 10\n  family f\n    edit MIDDLE 20\n    repeat date YMD 20240228 20240302\n    task t\n      edit LOWER abc\n  endfamily\nendsuite\n",
    );
    const t = findNode(defs, "/x/f/t");
    assert.ok(t);
    set(runtime, "/x/f/t", { tryNo: 2 });
    set(runtime, "/x/f", { repeatIndex: 2 });
    const vars = allVariables(t, runtime, NOW, defs);
    assert.equal(vars.TOPLEVEL, "10");
    assert.equal(vars.MIDDLE, "20");
    assert.equal(vars.LOWER, "abc");
    assert.equal(vars.ECF_NAME, "/x/f/t");
    assert.equal(vars.ECF_TRYNO, "2");
    assert.equal(vars.TASK, "t");
    assert.equal(vars.FAMILY, "f");
    assert.equal(vars.SUITE, "x");
    assert.equal(vars.YMD, "20240301", "leap year: 28, 29, 1");
    assert.equal(vars.YMD_DOW, "5");
    assert.equal(vars.ECF_DATE, "20240304");
    assert.equal(vars.YYYY, "2024");
    assert.equal(vars.MM, "03");
    assert.equal(vars.DD, "04");
    assert.equal(vars.DOW, "1");
    assert.equal(vars.DOY, "64");
    assert.equal(vars.ECF_TRIES, "2", "server default");
    assert.equal(vars.ECF_JOB, "./x/f/t.job2");
    set(runtime, "/x", { variables: { MIDDLE: "altered" } });
    assert.equal(findVariable(t, "MIDDLE", runtime, NOW, defs), "20", "the nearest definition wins");
    assert.equal(findVariable(t, "TOPLEVEL", runtime, NOW, defs), "10");
  });
});

describe("a whole cycle of the shared sample", () => {
  it("runs every task in trigger order, loops the repeat, and waits for the next cron slot", async () => {
    const { readFileSync } = await import("node:fs");
    const { sampleDef } = await import("./fixtures/reference.ts");
    const { defs, runtime } = begin(readFileSync(sampleDef, "utf8").replace(/^suite/m, "suite"));
    const begunAt = new Date("2024-03-04T05:00:00Z");
    for (const [path, rt] of runtime.nodes)
      runtime.nodes.set(path, { ...rt, begunAt: begunAt.toISOString() });
    const runs: string[] = [];
    let now = new Date("2024-03-04T05:30:00Z");
    assert.deepEqual(flowLogic.readyTasks(defs, runtime, now), [], "the suite's cron holds it until 05:35");
    assert.match(
      why(defs, "/cycle_00/start/start_data_server", runtime, now).reasons.join(),
      /parent \/cycle_00 waits for cron 05:35/,
    );
    now = new Date("2024-03-04T05:35:00Z");
    for (let round = 0; round < 400; round++) {
      const ready = flowLogic.readyTasks(defs, runtime, now);
      if (!ready.length) break;
      for (const t of ready) {
        runs.push(t.name);
        const events = Object.fromEntries(t.events.map((e) => [e.name ?? String(e.number), true]));
        set(runtime, t.path, { state: "active", events });
        settle(defs, runtime, now);
        set(runtime, t.path, { state: "complete" });
        settle(defs, runtime, now);
      }
    }
    const count = (name: string): number => runs.filter((r) => r === name).length;
    assert.equal(count("products"), 91, "repeat integer STEP 0 90 1");
    assert.deepEqual(runs.slice(0, 3), ["start_data_server", "provision", "products"]);
    assert.deepEqual(runs.slice(-3), ["destroy_compute", "deliver", "stop_data_server"]);
    // The cycle is over: the cron queued the suite again for tomorrow's 05:35.
    assert.equal(runtime.nodes.get("/cycle_00")?.state, "queued");
    assert.deepEqual(flowLogic.readyTasks(defs, runtime, new Date("2024-03-04T23:00:00Z")), []);
    assert.deepEqual(paths(flowLogic.readyTasks(defs, runtime, new Date("2024-03-05T05:35:00Z"))), [
      "/cycle_00/start/start_data_server",
    ]);
  });
});

describe("repeat progression", () => {
  it("steps through every kind of repeat to its end", async () => {
    const { repeatLength, repeatValueAt } = await import("../../src/flow/logic/variables.ts");
    const defs = parseDefs(
      [
        "suite s",
        "  family i\n    repeat integer I 10 0 -4\n    task t\n  endfamily",
        "  family d\n    repeat date D 20231230 20240102 2\n    task t\n  endfamily",
        "  family l\n    repeat datelist L 20240301 20240229\n    task t\n  endfamily",
        '  family e\n    repeat enumerated E "a" "b" "c"\n    task t\n  endfamily',
        "  family n\n    repeat string N x y\n    task t\n  endfamily",
        "endsuite",
        "",
      ].join("\n"),
      "r.def",
    );
    const values = (path: string): string[] => {
      const r = findNode(defs, path)?.repeat;
      assert.ok(r);
      return Array.from({ length: repeatLength(r) }, (_, i) => repeatValueAt(r, i));
    };
    assert.deepEqual(values("/s/i"), ["10", "6", "2"]);
    assert.deepEqual(values("/s/d"), ["20231230", "20240101"]);
    assert.deepEqual(values("/s/l"), ["20240301", "20240229"]);
    assert.deepEqual(values("/s/e"), ["a", "b", "c"]);
    assert.deepEqual(values("/s/n"), ["x", "y"]);
    // Run the families: each runs its task once per value, then stays complete.
    const runtime = beginRuntime(defs.suites[0] as never, NOW);
    const seen: string[] = [];
    for (let round = 0; round < 30; round++) {
      const ready = flowLogic.readyTasks(defs, runtime, NOW);
      if (!ready.length) break;
      for (const t of ready) {
        const r = (t.parent as { repeat?: { kind: string; name?: string } }).repeat;
        seen.push(`${t.parent.name}=${findVariable(t, r?.name ?? "", runtime, NOW, defs)}`);
        set(runtime, t.path, { state: "complete" });
      }
      settle(defs, runtime);
    }
    assert.deepEqual(seen.sort(), [
      "d=20231230",
      "d=20240101",
      "e=a",
      "e=b",
      "e=c",
      "i=10",
      "i=2",
      "i=6",
      "l=20240229",
      "l=20240301",
      "n=x",
      "n=y",
    ]);
    assert.equal(runtime.nodes.get("/s")?.state, "complete");
  });
});
