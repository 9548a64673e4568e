// What we write, real ecFlow reads: `ecflow_client --load=FILE check_only` on our printed
// definitions, agreement with ecFlow on every attribute line of its documentation, and a load into
// a real ecflow_server on loopback.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkDefs, parseDefs, printDefs } from "../../src/flow/def/index.ts";
import { FlowDefinitionError } from "../../src/flow/logic/diagnostics.ts";
import { walk } from "../../src/flow/model/tree.ts";
import {
  type EcflowServer,
  ecflowClient,
  nodePathsOfEcflowPrint,
  startEcflowServer,
} from "./fixtures/ecflow-server.ts";
import { referenceAttributeLines, referenceSuites, sampleDef } from "./fixtures/reference.ts";

const dir = mkdtempSync(join(tmpdir(), "cb-flow-def-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function ecflowAccepts(text: string, name = "x.def"): Promise<{ ok: boolean; error: string }> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = await ecflowClient([`--load=${file}`, "check_only"]);
  return {
    ok: r.code === 0,
    error: r.stderr
      .split("\n")
      .filter((l) => l.trim())
      .slice(0, 4)
      .join(" | "),
  };
}

const fixtures = [
  ["ecflow-sample.def", readFileSync(sampleDef, "utf8")],
  ["all-attributes.def", readFileSync(join(import.meta.dirname, "fixtures", "all-attributes.def"), "utf8")],
] as const;

describe("ecflow_client check_only", () => {
  for (const [name, text] of fixtures) {
    it(`accepts our printed ${name}`, async () => {
      const printed = printDefs(checkDefs(text, name));
      const r = await ecflowAccepts(printed, name);
      assert.ok(r.ok, r.error);
    });
  }

  it("accepts our print of every documentation suite we parse", async () => {
    let n = 0;
    for (const ex of referenceSuites()) {
      let printed: string;
      try {
        printed = printDefs(parseDefs(ex.text, ex.name));
      } catch {
        continue;
      }
      n++;
      const r = await ecflowAccepts(printed);
      assert.ok(r.ok, `${ex.name}: ${r.error}\n${printed}`);
    }
    assert.ok(n >= 3);
  });

  it("agrees with ecFlow on the attribute lines of its documentation", async () => {
    const lines = referenceAttributeLines();
    assert.ok(lines.length > 100, `only ${lines.length} lines found`);
    let bothAccept = 0;
    for (const line of lines) {
      const def = `suite s\n  limit lim 2\n  family f\n    task t\n      event e\n      meter m 0 100\n      ${line.text}\n    task t2\n  endfamily\nendsuite\n`;
      const theirs = await ecflowAccepts(def);
      let ours: string | undefined;
      let printed = "";
      try {
        printed = printDefs(checkDefs(def, "line.def"));
      } catch (error) {
        assert.ok(error instanceof FlowDefinitionError, String(error));
        ours = error.message;
      }
      if (ours === undefined) {
        // Whatever we accept, ecFlow accepts, also as we print it.
        assert.ok(theirs.ok, `we accept but ecFlow rejects '${line.text}' (${line.name}): ${theirs.error}`);
        const again = await ecflowAccepts(printed);
        assert.ok(again.ok, `ecFlow rejects our print of '${line.text}': ${again.error}`);
        bothAccept++;
      } else if (theirs.ok) {
        // Where we are stricter, it is on purpose: unknown limits, and cal:: functions we do not support.
        assert.match(ours, /no limit '|cal:: functions/, `ecFlow accepts '${line.text}' but we say: ${ours}`);
      }
    }
    assert.ok(bothAccept > 60, `only ${bothAccept} lines accepted by both`);
  });
});

describe("a real ecflow_server", () => {
  let server: EcflowServer;
  before(async () => {
    server = await startEcflowServer();
  });
  after(async () => {
    await server?.stop();
  });

  it("loads the definitions we print and holds the same nodes", async () => {
    for (const [name, text] of fixtures) {
      const defs = checkDefs(text, name);
      const file = join(dir, `load-${name}`);
      writeFileSync(file, printDefs(defs));
      const load = await server.client([`--load=${file}`]);
      assert.equal(load.code, 0, load.stderr);
      for (const suite of defs.suites) {
        const got = await server.client([`--get=/${suite.name}`]);
        assert.equal(got.code, 0, got.stderr);
        const theirs = nodePathsOfEcflowPrint(got.stdout);
        const ours = [...walk({ ...defs, suites: [suite] })].map((n) => n.path);
        assert.deepEqual(theirs, ours);
        // What the server prints back, we read again (its state comments are comments to us).
        const serverText = got.stdout.replace(/^#.*\n/gm, "");
        const back = parseDefs(serverText, "server.def");
        assert.deepEqual(
          [...walk(back)].map((n) => `${n.path} ${n.trigger?.parts.map((p) => p.text).join(" / ") ?? ""}`),
          [...walk({ ...defs, suites: [suite] })].map(
            (n) => `${n.path} ${n.trigger?.parts.map((p) => p.text).join(" / ") ?? ""}`,
          ),
        );
        const del = await server.client([`--delete=force`, "yes", `/${suite.name}`]);
        assert.equal(del.code, 0, del.stderr);
      }
    }
  });
});
