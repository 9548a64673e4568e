// ecFlow's pre-processor as the worker applies it to task scripts, on an in-memory file system.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scriptCandidates } from "../../src/worker/locate-script.ts";
import { PreprocessError, preprocess } from "../../src/worker/preprocess.ts";

const files: Record<string, string> = {
  "/inc/head.h": "#!/bin/bash\necho head %TASK%\n%includeonce <once.h>\n",
  "/inc/once.h": "echo once\n",
  "/alt/tail.h": "echo tail\n",
  "/home/s/f/local.h": "echo local %FAMILY%\n",
  "/abs/raw.h": "echo %NOT_SUBSTITUTED%\n",
  "/inc/loop.h": "%include <loop.h>\n",
};
const readFile = (path: string) => files[path] ?? null;
const variables = {
  ECF_INCLUDE: "/inc:/alt",
  ECF_HOME: "/home",
  SUITE: "s",
  FAMILY: "f",
  TASK: "t",
  STEP: "6",
};
const run = (script: string, extra: Record<string, string> = {}) =>
  preprocess(script, { variables: { ...variables, ...extra }, readFile, fileName: "t.ecf" });

describe("pre-processor", () => {
  it("substitutes variables, defaults and %% escapes", () => {
    assert.equal(
      run("echo %STEP% %MISSING:none% %STEP:9% 100%% date +%%d\n"),
      "echo 6 none 6 100% date +%d\n",
    );
  });

  it("fails on an undefined variable with the file and line", () => {
    assert.throws(
      () => run("echo ok\necho %NOPE%\n"),
      (e: unknown) => {
        assert.ok(e instanceof PreprocessError);
        assert.match((e as Error).message, /^t\.ecf:2: variable NOPE is not defined/);
        return true;
      },
    );
  });

  it('includes <file> along ECF_INCLUDE, "file" under ECF_HOME/SUITE/FAMILY, and absolute paths', () => {
    const out = run('%include <head.h>\n%include <tail.h>\n%include "local.h"\n%includenopp /abs/raw.h\n');
    assert.equal(
      out,
      "#!/bin/bash\necho head t\necho once\necho tail\necho local f\necho %NOT_SUBSTITUTED%\n",
    );
  });

  it("includes an %includeonce file once only", () => {
    assert.equal(run("%include <head.h>\n%includeonce <once.h>\n").match(/echo once/g)?.length, 1);
  });

  it("drops %comment and %manual blocks and keeps %nopp blocks verbatim", () => {
    const out = run("a\n%comment\nx %NOPE%\n%end\n%manual\ndocs\n%end\n%nopp\nkeep %NOPE%\n%end\nb %STEP%\n");
    assert.equal(out, "a\nkeep %NOPE%\nb 6\n");
  });

  it("switches the micro character with %ecfmicro and ECF_MICRO", () => {
    assert.equal(
      run("%ecfmicro ^\necho ^STEP^ %kept%\n^ecfmicro %\necho %STEP%\n"),
      "echo 6 %kept%\necho 6\n",
    );
    assert.equal(run("&include <tail.h>\necho &STEP&\n", { ECF_MICRO: "&" }), "echo tail\necho 6\n");
  });

  it("names a missing include, an include cycle, and an unclosed block", () => {
    assert.throws(
      () => run("%include <nosuch.h>\n"),
      /t\.ecf:1: cannot find include file <nosuch\.h> \(looked in: \/inc\/nosuch\.h, \/alt\/nosuch\.h, \/home\/nosuch\.h\)/,
    );
    assert.throws(() => run("%include <loop.h>\n"), /nest deeper than 50/);
    assert.throws(() => run("%comment\nx\n"), /never closed/);
  });
});

describe("script location", () => {
  it("searches ECF_FILES from the most specific path, then ECF_SCRIPT", () => {
    assert.deepEqual(scriptCandidates("/s/f/t", { ECF_FILES: "/files", ECF_SCRIPT: "/home/s/f/t.ecf" }), [
      "/files/s/f/t.ecf",
      "/files/f/t.ecf",
      "/files/t.ecf",
      "/home/s/f/t.ecf",
    ]);
    assert.deepEqual(scriptCandidates("/s/t", { ECF_HOME: "/home", ECF_EXTN: ".sh" }), ["/home/s/t.sh"]);
  });
});
