// Trigger/complete expressions: ecFlow's grammar and truth tables, against runtime states.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDefs } from "../../src/flow/def/parser.ts";
import { type EvalContext, evaluate } from "../../src/flow/logic/evaluate.ts";
import { exprToString, parseExpression } from "../../src/flow/logic/expr-parser.ts";
import { beginRuntime } from "../../src/flow/logic/state.ts";
import { findNode } from "../../src/flow/model/tree.ts";
import type { NodeState, RuntimeState } from "../../src/flow/model/types.ts";

const DEF = `extern /ext/x
suite s
  edit SV 7
  family f
    repeat integer STEP 0 24 6
    task a
      event ready
      event 3 done
      meter prog 0 100
      edit NUM 12
    task b
    family g
      task c
    endfamily
  endfamily
  family days
    repeat date YMD 20240130 20240205 2
    task d
  endfamily
  family kinds
    repeat enumerated E "10" "x" "30"
    task e
  endfamily
  task t
endsuite
`;

const origin = { file: "e", line: 1, col: 1 };

function setup(): {
  ctx: EvalContext;
  runtime: RuntimeState;
  on: (path: string, text: string) => number;
  state: (p: string, s: NodeState) => void;
} {
  const defs = parseDefs(DEF, "e.def");
  const runtime = beginRuntime(defs.suites[0] as never, new Date("2024-01-01T00:00:00Z"));
  const ctx: EvalContext = { defs, runtime, now: new Date("2024-01-01T00:00:00Z") };
  return {
    ctx,
    runtime,
    on: (path, text) => {
      const node = findNode(defs, path);
      assert.ok(node, path);
      return evaluate(parseExpression(text, origin), node, ctx);
    },
    state: (p, s) => {
      const rt = runtime.nodes.get(p);
      assert.ok(rt, p);
      runtime.nodes.set(p, { ...rt, state: s });
      ctx.resolved = undefined;
    },
  };
}

describe("expression parsing", () => {
  const p = (t: string): string => exprToString(parseExpression(t, origin));

  it("follows ecFlow's grammar: and over or in a run of comparisons, not on the next comparison", () => {
    assert.equal(
      p("a == complete or b == complete and c == complete"),
      "a == complete or b == complete and c == complete",
    );
    assert.equal(
      p("(a == complete or b == complete) and c == complete"),
      "(a == complete or b == complete) and c == complete",
    );
    assert.equal(p("not a == complete and b:e"), "not (a == complete) and b:e");
    // After a parenthesised group, ecFlow reads the rest as the right side of its `and`.
    assert.equal(
      p("! (a eq complete) && b ne aborted || c:m ge 3"),
      "not (a == complete) and (b != aborted or c:m >= 3)",
    );
    assert.equal(
      p("../f/a:ev == set and ./b == queued and /s/t != submitted"),
      "../f/a:ev == set and ./b == queued and /s/t != submitted",
    );
    assert.equal(p("a:x lt 1 or a:x gt 2 or a:x le 3"), "a:x < 1 or a:x > 2 or a:x <= 3");
  });

  it("keeps ecFlow's quirks: no arithmetic precedence, and a group takes the rest as its right side", () => {
    assert.equal(p("a:x + 2 * 3 > 7"), "(a:x + 2) * 3 > 7");
    assert.equal(
      p("(a == complete) and b == complete or c == complete"),
      "a == complete and (b == complete or c == complete)",
    );
    assert.equal(p("1 < 2 < 3"), "(1 < 2) < 3");
    assert.equal(p("a:x ge not 1"), "a:x >= (not 1)");
  });

  it("reads flags, parent variables and calendar functions", () => {
    assert.equal(p("t<flag>late or /<flag>zombie"), "t<flag>late or /<flag>zombie");
    assert.equal(p(":YMD + 1 == :NEXT"), ":YMD + 1 == :NEXT");
    assert.equal(
      p("cal::date_to_julian(a:YMD) > cal::julian_to_date(2460311)"),
      "cal::date_to_julian(a:YMD) > cal::julian_to_date(2460311)",
    );
    assert.equal(p("a == suspended"), "a == suspended", "ecFlow's short form knows suspended");
  });

  it("rejects broken expressions with the column", () => {
    const col = (t: string): string => {
      try {
        parseExpression(t, { file: "f.def", line: 4, col: 13 });
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    assert.match(col("a == complete and ("), /^f\.def:4:32: the expression ends too early/);
    assert.match(col("a == complete)"), /^f\.def:4:26: ecFlow cannot read the expression from '\)'/);
    assert.match(col("a == finished"), /^f\.def:4:18: ecFlow cannot read the expression from 'finished'/);
    assert.match(col("a:x >= 2024T01"), /^f\.def:4:24: ecFlow cannot read the expression from 'T01'/);
    assert.match(col("0 - -1 == 1"), /^f\.def:4:17: ecFlow has no unary '-'/);
    assert.match(col("a == complete and a == suspended"), /'suspended'/);
    assert.match(col(""), /empty expression/);
  });
});

describe("expression evaluation", () => {
  it("compares node states, for tasks and (computed) families", () => {
    const { on, state } = setup();
    assert.equal(on("/s/t", "f/a == queued"), 1);
    assert.equal(on("/s/t", "f/a == complete"), 0);
    state("/s/f/a", "complete");
    state("/s/f/b", "complete");
    assert.equal(on("/s/t", "f/a == complete"), 1);
    assert.equal(on("/s/t", "f eq complete"), 0, "family still has a queued task");
    state("/s/f/g/c", "complete");
    assert.equal(on("/s/t", "f eq complete"), 1);
    state("/s/f/g/c", "aborted");
    assert.equal(on("/s/t", "f == aborted and f != complete"), 1);
    assert.equal(on("/s/t", "/ext/x == unknown"), 1, "an extern node is unknown");
  });

  it("follows truth tables of and, or, not", () => {
    const { on, state } = setup();
    for (const a of ["complete", "queued"] as const) {
      for (const b of ["complete", "queued"] as const) {
        state("/s/f/a", a);
        state("/s/f/b", b);
        const A = a === "complete";
        const B = b === "complete";
        assert.equal(on("/s/f/b", "a == complete and b == complete"), Number(A && B), `${a} and ${b}`);
        assert.equal(on("/s/f/b", "a == complete && ./b == complete"), Number(A && B));
        assert.equal(on("/s/f/b", "a == complete or b == complete"), Number(A || B), `${a} or ${b}`);
        assert.equal(on("/s/f/b", "a == complete || b == complete"), Number(A || B));
        assert.equal(on("/s/f/b", "not a == complete"), Number(!A));
        assert.equal(on("/s/f/b", "!(a == complete) and ~ (b == complete)"), Number(!A && !B));
        assert.equal(on("/s/f/b", "not (a == complete or b == complete)"), Number(!(A || B)));
      }
    }
  });

  it("reads events, meters, variables and repeats of the named node", () => {
    const { on, runtime } = setup();
    const a = runtime.nodes.get("/s/f/a");
    assert.ok(a);
    assert.equal(on("/s/t", "f/a:ready"), 0);
    assert.equal(on("/s/t", "f/a:ready == clear"), 1);
    runtime.nodes.set("/s/f/a", { ...a, events: { ready: true, done: true }, meters: { prog: 40 } });
    assert.equal(on("/s/t", "f/a:ready == set and f/a:3 == set and f/a:done"), 1);
    for (const [op, want] of [
      ["==", 0],
      ["eq", 0],
      ["!=", 1],
      ["ne", 1],
      ["<", 0],
      ["lt", 0],
      [">", 1],
      ["gt", 1],
      ["<=", 0],
      ["le", 0],
      [">=", 1],
      ["ge", 1],
    ] as const)
      assert.equal(on("/s/t", `f/a:prog ${op} 30`), want, `40 ${op} 30`);
    assert.equal(on("/s/t", "f/a:prog == 40"), 1);
    assert.equal(on("/s/t", "f/a:NUM + f/a:prog == 52"), 1, "user variable as a number");
    assert.equal(on("/s/t", "f:STEP == 0"), 1);
    const patch = (path: string, repeatIndex: number): void => {
      const rt = runtime.nodes.get(path);
      assert.ok(rt);
      runtime.nodes.set(path, { ...rt, repeatIndex });
    };
    patch("/s/f", 2);
    assert.equal(on("/s/t", "f:STEP == 12"), 1, "integer repeat by value");
    patch("/s/days", 1);
    assert.equal(on("/s/t", "days:YMD == 20240201"), 1, "date repeat by value, across the month end");
    assert.equal(on("/s/t", "days:YMD_MM == 2 and days:YMD_DD == 1"), 1, "date parts");
    assert.equal(on("/s/t", "kinds:E == 10"), 1, "enumerated numeric value");
    patch("/s/kinds", 1);
    assert.equal(on("/s/t", "kinds:E == 1"), 1, "a non-numeric enumerated value counts as its index");
    assert.equal(on("/s/t", "/s/f/a:ECF_TRYNO == 0"), 1, "generated variable");
  });

  it("resolves relative paths as ecFlow: siblings, ./ and ../", () => {
    const { on, state } = setup();
    state("/s/f/a", "complete");
    assert.equal(on("/s/f/b", "a == complete"), 1, "sibling");
    assert.equal(on("/s/f/b", "./a == complete"), 1);
    assert.equal(on("/s/f/g/c", "../a == complete"), 1, ".. is the parent's parent");
    assert.equal(on("/s/f/g/c", "../../t == queued"), 1);
    assert.equal(on("/s/f", "f/a == complete"), 1, "relative to the parent (the suite)");
    assert.equal(on("/s/f", "g/c == queued"), 1, "or below the node itself");
  });
});
