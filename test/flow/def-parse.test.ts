// The .def parser and printer: round trips that are stable, every attribute kept, the reference
// examples parsed, and errors that say file:line:col.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkDefs, parseDefs, printDefs } from "../../src/flow/def/index.ts";
import { FlowDefinitionError } from "../../src/flow/logic/diagnostics.ts";
import { findNode, walk } from "../../src/flow/model/tree.ts";
import { referenceSuites, sampleDef } from "./fixtures/reference.ts";

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");

function errorsOf(text: string, file = "t.def"): string[] {
  try {
    checkDefs(text, file);
  } catch (error) {
    assert.ok(error instanceof FlowDefinitionError, String(error));
    return error.message.split("\n");
  }
  assert.fail("expected the definition to be rejected");
}

function stable(text: string, file: string): string {
  const once = printDefs(parseDefs(text, file));
  const twice = printDefs(parseDefs(once, `${file} (printed)`));
  assert.equal(twice, once, `print(parse(print(parse(${file})))) differs`);
  return once;
}

describe("def round trips", () => {
  it("keeps the shared sample intact and stable", () => {
    const text = readFileSync(sampleDef, "utf8");
    const out = stable(text, sampleDef);
    const defs = checkDefs(text, sampleDef);
    assert.deepEqual(defs.externs, ["/other/suite/task"]);
    const products = findNode(defs, "/cycle_00/process/products");
    assert.ok(products && products.kind === "task");
    assert.equal(products.inlimits[0]?.path, "/cycle_00");
    assert.equal(products.inlimits[0]?.tokens, 4);
    assert.deepEqual(products.late, {
      submitted: { hour: 0, minute: 5 },
      complete: { hour: 0, minute: 30 },
      completeRelative: true,
      pos: products.late?.pos,
    });
    assert.match(
      out,
      /^ {6}trigger \(\.\.\/start eq complete or \.\.\/start\/provision:ready ge 4\) and not \/other\/suite\/task == aborted$/m,
    );
    assert.match(out, /^ {2}cron 05:35$/m);
    assert.match(out, /^ {4}repeat integer STEP 0 90$/m);
    // `defstatus queued` is every node's default: ecFlow keeps none, and neither do we.
    assert.equal(findNode(defs, "/cycle_00/finish/stop_data_server")?.defstatus, undefined);
  });

  it("keeps every supported attribute through print and parse", () => {
    const text = fixture("all-attributes.def");
    const first = parseDefs(text, "all-attributes.def");
    const out = stable(text, "all-attributes.def");
    const again = parseDefs(out, "printed.def");
    const strip = (x: unknown): unknown =>
      JSON.parse(
        JSON.stringify(x, (k, v) => (k === "pos" || k === "parent" || k === "file" ? undefined : v)),
      );
    assert.deepEqual(strip(again), strip(first));
    const fetch = findNode(first, "/everything/daily/fetch");
    assert.equal(fetch?.events.length, 3);
    assert.deepEqual(strip(fetch?.meters[1]), { name: "count", min: -1, max: 10, threshold: 10 });
    const process = findNode(first, "/everything/daily/process");
    assert.deepEqual(
      process?.trigger?.parts.map((p) => p.join),
      ["first", "and", "or"],
    );
    assert.equal(
      findNode(first, "/everything")?.variables.find((v) => v.name === "QUOTED")?.value,
      "it's quoted",
    );
    assert.equal(first.suites[0]?.clock?.gain, 3600);
  });

  it("parses every whole suite in ecFlow's documentation or says which line it cannot", () => {
    const examples = referenceSuites();
    assert.ok(examples.length >= 5, `found ${examples.length} examples`);
    let parsed = 0;
    for (const ex of examples) {
      try {
        stable(ex.text, ex.name);
        parsed++;
      } catch (error) {
        assert.ok(error instanceof FlowDefinitionError, `${ex.name}: ${String(error)}`);
        for (const line of error.message.split("\n"))
          assert.match(line, /^.+:\d+:\d+: \S/, `${ex.name}: ${line}`);
      }
    }
    assert.ok(parsed >= 3, `only ${parsed} of ${examples.length} documentation suites parsed`);
  });

  it("reads Windows files: byte-order mark and CRLF line ends", () => {
    const defs = checkDefs(
      "\ufeffsuite s\r\n  edit V 'x y'\r\n  task t\r\n    trigger ../s == queued\r\nendsuite\r\n",
      "w.def",
    );
    assert.equal(defs.suites[0]?.variables[0]?.value, "x y");
    assert.equal(
      printDefs(defs),
      "suite s\n  edit V 'x y'\n  task t\n    trigger ../s == queued\nendsuite\n",
    );
  });

  it("accepts ';' between statements, comments and endtask", () => {
    const defs = parseDefs(
      "suite s # the suite\n  task a ; task b\n    time 10:00 ; time 20:00 # two\n  endtask\nendsuite\n",
      "s.def",
    );
    const b = findNode(defs, "/s/b");
    assert.equal(b?.times.length, 2);
    assert.ok(findNode(defs, "/s/a"));
  });
});

describe("def errors", () => {
  it("reports an unbalanced trigger with file:line:col", () => {
    const [e] = errorsOf("suite x\n  task t\n    trigger nosuch == complete and (\nendsuite\n", "bad.def");
    assert.match(e as string, /^bad\.def:3:\d+: /);
  });

  it("reports a trigger naming a node that does not exist, at the path", () => {
    const errors = errorsOf(
      "suite s\n  task a\n  task b\n    trigger a == complete and c == complete\nendsuite\n",
    );
    assert.deepEqual(errors, ["t.def:4:31: trigger of /s/b: no node 'c' (relative to /s)"]);
  });

  it("reports an event or meter the referenced node does not have", () => {
    const errors = errorsOf(
      "suite s\n  task a\n    event go\n  task b\n    trigger a:go and a:ready ge 2\nendsuite\n",
    );
    assert.equal(errors.length, 1);
    assert.match(
      errors[0] as string,
      /^t\.def:5:22: trigger of \/s\/b: \/s\/a has no event, meter, variable, repeat, limit or queue 'ready'$/,
    );
  });

  it("accepts references declared extern", () => {
    checkDefs(
      "extern /ext/suite/task\nextern /ext/x:ev\nsuite s\n  task a\n    trigger /ext/suite/task == complete and /ext/x:ev\nendsuite\n",
    );
  });

  it("rejects what ecflow_server 5.9 rejects, saying where and why", () => {
    const cases: [string, RegExp][] = [
      ["    aviso --name a\n", /3:5: unknown keyword 'aviso' on task \/s\/a/],
      [
        "    repeat datetime T 20240101T000000 20240102T000000 01:00:00\n",
        /3:12: unknown repeat kind 'datetime'/,
      ],
      ["    repeat month 1\n", /3:12: 'repeat month' is not supported/],
      ["    frobnicate 3\n", /3:5: unknown keyword 'frobnicate'/],
      ["    time 25:00\n", /3:10: hour 25 is out of range 0-23/],
      ["    time 3:00\n", /3:10: expected a time hh:mm/],
      ["    time 10:00 10:00 00:30\n", /3:22: the increment 00:30 is longer than the series/],
      ["    date 31.2.2024\n", /3:10: 31.2.2024 is not a date/],
      ["    day mon\n", /3:9: 'mon' is not a day/],
      ["    meter m 0 10 20\n", /3:18: the meter threshold 20 is outside 0..10/],
      ["    defstatus done\n", /3:15: 'done' is not a state for defstatus/],
      ["    trigger a = complete\n", /3:15: '=' is not an operator/],
      ["    trigger a\n", /3:14: the expression ends too early/],
      ["    trigger not(a == complete)\n", /3:16: 'not' needs a blank before '\('/],
      ["    trigger 1 / 0 == 0\n", /3:13: trigger of \/s\/a: divides by a value that is 0 as loaded/],
      ["    repeat date D 20240230 20240301\n", /3:19: '20240230' is not a valid date/],
      ["    cron -x 1 10:00\n", /3:10: unknown cron option '-x'/],
    ];
    for (const [line, want] of cases) {
      const errors = errorsOf(`suite s\n  task a\n${line}endsuite\n`);
      assert.match(errors.join("\n"), want, line);
    }
  });

  it("rejects structure errors", () => {
    // `endsuite` closes whatever is open, and a suite the file does not close is kept (as ecFlow).
    assert.deepEqual(
      [...walk(checkDefs("suite s\n  family f\n    task t\nendsuite\nsuite u\n  task v\n"))].map(
        (n) => n.path,
      ),
      ["/s", "/s/f", "/s/f/t", "/u", "/u/v"],
    );
    assert.match(
      errorsOf("suite s\n  task t\n  task t\nendsuite\n").join(),
      /t\.def:3:8: duplicate node 't' in \/s/,
    );
    assert.match(errorsOf("task t\n").join(), /t\.def:1:1: 'task' outside a suite/);
    assert.match(
      errorsOf(
        "suite s\n  family f\n    repeat integer I 0 3\n    cron 10:00\n  endfamily\nendsuite\n",
      ).join(),
      /t\.def:4:5: .*both a repeat and a cron/,
    );
  });

  it("lists every error, not only the first", () => {
    const errors = errorsOf(
      "suite s\n  task a\n    time 99:00\n    meter m 5 1\n    day someday\nendsuite\n",
    );
    assert.equal(errors.length, 3);
    assert.deepEqual(
      errors.map((e) => e.split(":").slice(1, 3).join(":")),
      ["3:10", "4:15", "5:9"],
    );
  });
});
