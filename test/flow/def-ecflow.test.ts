// Our .def parser and printer against real ecFlow 5.9, on the whole definition corpus of its
// documentation (../shared/reference/ecflow: its suites and attribute lines) and our own cases for
// every construct (fixtures/ecflow-cases/*.cases): every definition `ecflow_client --load=F` accepts
// we accept, and we print it back as `ecflow_client --load=F print` prints it (same attributes, same
// order, same text; whole definitions are also loaded again from our print); every one it rejects,
// we reject with file:line:col. Then a real ecflow_server loads what we print, holds the same nodes
// and prints them back as we do.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkDefs, parseDefs, printDefs } from "../../src/flow/def/index.ts";
import { FlowDefinitionError } from "../../src/flow/logic/diagnostics.ts";
import { walk } from "../../src/flow/model/tree.ts";
import { runCli } from "../helpers/cli.ts";
import {
  type EcflowServer,
  ecflowClient,
  nodePathsOfEcflowPrint,
  startEcflowServer,
} from "./fixtures/ecflow-server.ts";
import { referenceAttributeLines, referenceSuites, sampleDef } from "./fixtures/reference.ts";

const dir = mkdtempSync(join(tmpdir(), "cb-flow-def-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  text: string;
}

/** Attribute lines are tried on a task beside the things they may refer to. */
function onTask(lines: string): string {
  const body = lines
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n");
  return `suite s\n  edit X 1\n  limit lim 2\n  family f\n    edit Y 2\n    task t\n      event e\n      meter m 0 100\n      label l "x"\n      repeat integer R 0 10\n    task t2\n${body}\n  endfamily\nendsuite\n`;
}

/** A case file: cases between `----` lines; a whole definition, or attribute lines for `onTask`. */
function casesOf(file: string): Case[] {
  const whole = /^(suite|extern|edit|defs_state|history|endsuite|#)/;
  return readFileSync(file, "utf8")
    .split(/^----\n/m)
    .map((c) => c.replace(/\n+$/, ""))
    .filter(Boolean)
    .map((c, i) => ({
      name: `${file.split("/").pop()}#${i + 1}`,
      text: whole.test(c) ? `${c}\n` : onTask(c),
    }));
}

const casesDir = join(import.meta.dirname, "fixtures", "ecflow-cases");
const corpus: Record<string, Case[]> = {
  "the documentation's suites": referenceSuites(),
  "the documentation's attribute lines": referenceAttributeLines().map((l) => ({
    name: `${l.name}: ${l.text}`,
    text: onTask(l.text),
  })),
  ...Object.fromEntries(
    readdirSync(casesDir)
      .filter((f) => f.endsWith(".cases"))
      .map((f) => [f, casesOf(join(casesDir, f))]),
  ),
};

/** ecflow_client --load=F print: whether ecFlow accepts F, and the suites as it prints them. */
async function ecflowPrint(text: string): Promise<{ ok: boolean; error: string; suites: string }> {
  const file = join(dir, "case.def");
  writeFileSync(file, text);
  const r = await ecflowClient([`--load=${file}`, "print"]);
  const suites = r.stdout
    .replace(/^# enddef[\s\S]*/m, "") // (warnings follow)
    .replace(/^(?:(?!suite ).*\n)*/, "")
    // What `print` shows and `--get` does not: aliases, the suite's calendar, a few attributes' state.
    .replace(/^\s*alias [\s\S]*?^\s*endalias\n/gm, "")
    .replace(/^\s*calendar .*\n/gm, "")
    .replace(/^(\s*day \S+) # date:\S+$/gm, "$1")
    .replace(/^(\s*verify \S+) # \d+$/gm, "$1")
    .replace(/^(\s*queue .*?) # \d+( \w+)*$/gm, "$1")
    .replace(/ +$/gm, "");
  return { ok: r.code === 0, error: r.stderr.replace(/\s+/g, " ").slice(0, 300), suites };
}

async function ecflowAccepts(text: string): Promise<{ ok: boolean; error: string }> {
  const file = join(dir, "ours.def");
  writeFileSync(file, text);
  const r = await ecflowClient([`--load=${file}`, "check_only"]);
  return { ok: r.code === 0, error: r.stderr.replace(/\s+/g, " ").slice(0, 300) };
}

/** What is wrong with our handling of one case, or null when we agree with ecFlow. */
async function disagreement(c: Case): Promise<string | null> {
  const theirs = await ecflowPrint(c.text);
  let printed: string | undefined;
  let ours = "";
  try {
    printed = printDefs(checkDefs(c.text, "case.def"));
  } catch (error) {
    if (!(error instanceof FlowDefinitionError)) return `${c.name}: threw ${String(error)}`;
    ours = error.message;
  }
  if (printed === undefined) {
    if (theirs.ok) return `${c.name}: ecFlow accepts, we reject: ${ours}`;
    const unplaced = ours.split("\n").filter((l) => !/^case\.def:\d+:\d+: \S/.test(l));
    return unplaced.length ? `${c.name}: an error without its line: ${unplaced.join(" | ")}` : null;
  }
  if (!theirs.ok) return `${c.name}: ecFlow rejects (${theirs.error}), we accept`;
  const mine = printed.replace(/^(?:(?!suite ).*\n)*/, "").replace(/ +$/gm, "");
  if (mine.trim() !== theirs.suites.trim())
    return `${c.name}: printed differently\n--- ecflow_client:\n${theirs.suites}\n--- ours:\n${mine}`;
  // Printed as ecFlow prints its own model, it loads as that does; a whole definition is loaded again
  // to show it (an attribute case differs from its neighbours in one line only).
  if (c.text.startsWith("suite s\n  edit X 1\n  limit lim 2\n")) return null;
  const again = await ecflowAccepts(printed);
  return again.ok ? null : `${c.name}: ecFlow rejects our print: ${again.error}\n${printed}`;
}

describe("ecflow_client --load and we agree on ecFlow's definition corpus and our cases", () => {
  for (const [group, cases] of Object.entries(corpus)) {
    it(`agrees on ${group} (${cases.length} definitions)`, async () => {
      assert.ok(cases.length >= 5, `${group}: only ${cases.length} cases`);
      const problems: string[] = [];
      for (const c of cases) {
        const problem = await disagreement(c);
        if (problem) problems.push(problem);
      }
      assert.deepEqual(problems, []);
    });
  }

  it("says the same through `cloudburst suite check --print`", async () => {
    const file = join(dir, "cli.def");
    const text = corpus["structure.cases"]?.find((c) => c.text.includes("alias a"))?.text;
    assert.ok(text);
    writeFileSync(file, text);
    const r = await runCli(["suite", "check", "--print", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, printDefs(checkDefs(text, file)));
    assert.match(r.stderr, /cli\.def:3:5: warning: alias 'a' of \/s\/t is dropped/);
    assert.equal((await ecflowPrint(text)).suites.trim(), r.stdout.trim());
  });
});

describe("a real ecflow_server", () => {
  let server: EcflowServer;
  const fixtures = [
    ["ecflow-sample.def", readFileSync(sampleDef, "utf8")],
    ["all-attributes.def", readFileSync(join(import.meta.dirname, "fixtures", "all-attributes.def"), "utf8")],
  ] as const;
  before(async () => {
    server = await startEcflowServer();
  });
  after(async () => {
    await server?.stop();
  });

  it("loads the definitions we print, holds the same nodes and prints them as we do", async () => {
    for (const [name, text] of fixtures) {
      const defs = checkDefs(text, name);
      const file = join(dir, `load-${name}`);
      writeFileSync(file, printDefs(defs));
      const load = await server.client([`--load=${file}`]);
      assert.equal(load.code, 0, load.stderr);
      for (const suite of defs.suites) {
        const got = await server.client([`--get=/${suite.name}`]);
        assert.equal(got.code, 0, got.stderr);
        const ours = printDefs({ ...defs, externs: [], suites: [suite] });
        assert.deepEqual(
          nodePathsOfEcflowPrint(got.stdout),
          [...walk({ ...defs, suites: [suite] })].map((n) => n.path),
        );
        const serverText = got.stdout.replace(/^(#|extern).*\n/gm, "").replace(/ +$/gm, "");
        assert.equal(serverText, ours.replace(/ +$/gm, ""), name);
        // And what the server prints, we read to the same model.
        assert.equal(printDefs(parseDefs(serverText, "server.def")), ours);
        const del = await server.client([`--delete=force`, "yes", `/${suite.name}`]);
        assert.equal(del.code, 0, del.stderr);
      }
    }
  });
});
