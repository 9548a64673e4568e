// Definitions with state, as operators move a running suite: a real ecflow_server is given state
// (tasks forced complete and aborted, a family suspended, events set, a meter moved, a label changed,
// repeats advanced, a trigger freed) and writes it with `ecflow_client --migrate`; we read that with
// its state, write it back as --migrate does (ecFlow loads it and writes the same), and
// `suite load` starts the suite from it. A task ecFlow still runs is refused, saying why.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkDefs, printDefs } from "../../src/flow/def/index.ts";
import { FlowCommandError, loadSuites } from "../../src/flow/engine/commands.ts";
import { showTree } from "../../src/flow/engine/queries.ts";
import { savedSuiteState } from "../../src/flow/logic/saved-state.ts";
import { walk } from "../../src/flow/model/tree.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { type EcflowServer, parseEcflowState, startEcflowServer } from "./fixtures/ecflow-server.ts";

const DEF = `suite mig
  edit ECF_JOB_CMD 'true'
  limit lim 3
  family f
    repeat integer I 0 10 2
    inlimit lim
    task a
      event 1 go
      event done
      meter prog 0 100 50
      label info "start"
      label other ""
    task b
      repeat enumerated E x y z
      trigger a == complete
    task c
      repeat date D 20240101 20240110
      queue q s1 s2 s3
    task d
      defstatus complete
  endfamily
  family g
    task e
      edit V 'orig'
  endfamily
endsuite
`;

/** What --migrate writes that is ecflow_server's business, not the definition's or its state's. */
const serverOnly = (text: string): string =>
  text
    .replace(/^#.*\n/gm, "")
    .replace(/^\s*calendar .*\n/gm, "")
    .replace(/ (dur|rt|passwd|rid):\S+/g, "")
    .replace(/ flag:(message|task_aborted)(,(message|task_aborted))*/g, "")
    .replace(/ # isValid:\S+.*$/gm, "")
    .replace(/ # date:\S+$/gm, "")
    .replace(/ +$/gm, "")
    .trimEnd();

describe("definitions with state (ecflow_client --migrate)", () => {
  let server: EcflowServer;
  let db: TestDatabase;
  let migrated = "";
  const dir = mkdtempSync(join(tmpdir(), "cb-flow-state-"));

  before(async () => {
    server = await startEcflowServer();
    db = await createTestDatabase();
    writeFileSync(join(dir, "mig.def"), DEF);
    const run = async (args: string[]) => assert.equal((await server.client(args)).code, 0, args.join(" "));
    await run([`--load=${join(dir, "mig.def")}`]);
    await run(["--begin=mig"]);
    await run(["--alter", "change", "event", "go", "set", "/mig/f/a"]);
    await run(["--alter", "change", "meter", "prog", "42", "/mig/f/a"]);
    await run(["--alter", "change", "label", "info", "half way", "/mig/f/a"]);
    await run(["--alter", "change", "repeat", "6", "/mig/f"]);
    await run(["--alter", "change", "repeat", "y", "/mig/f/b"]);
    await run(["--force=aborted", "/mig/f/b"]);
    await run(["--force=complete", "/mig/f/a"]);
    await run(["--free-dep", "trigger", "/mig/f/b"]);
    await run(["--suspend", "/mig/g"]);
    const got = await server.client(["--migrate=/mig"]);
    assert.equal(got.code, 0, got.stderr);
    migrated = got.stdout;
  });
  after(async () => {
    await server?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads every node's state and value as ecflow_server holds them", async () => {
    const defs = checkDefs(migrated, "mig.def");
    assert.equal(defs.state?.style, "MIGRATE");
    const saved = savedSuiteState(defs, defs.suites[0]!, new Date());
    assert.equal(saved.begun, true);
    assert.deepEqual(saved.refused, []);
    const theirs = parseEcflowState((await server.client(["--get_state=/mig"])).stdout);
    for (const node of walk(defs)) {
      const rt = saved.runtime.nodes.get(node.path);
      assert.equal(rt?.state, theirs.get(node.path)?.state, node.path);
      assert.equal(rt?.suspended === true, theirs.get(node.path)?.suspended, node.path);
    }
    const a = saved.runtime.nodes.get("/mig/f/a");
    assert.deepEqual(a?.events, { go: true, done: false });
    assert.deepEqual(a?.meters, { prog: 42 });
    assert.deepEqual(a?.labels, { info: "half way", other: "" });
    assert.equal(saved.runtime.nodes.get("/mig/f")?.repeatIndex, 3, "repeat integer at 6 (step 2)");
    assert.equal(saved.runtime.nodes.get("/mig/f/b")?.repeatIndex, 1, "enumerated at y");
    assert.equal(saved.runtime.nodes.get("/mig/f/b")?.triggerFree, true);
    assert.deepEqual(
      saved.runtime.nodes.get("/mig/f/b")?.flags,
      ["forced"],
      "an aborted task is not retried",
    );
    assert.equal(saved.runtime.nodes.get("/mig/g")?.suspended, true);
  });

  it("writes the state back as --migrate does, and ecflow_server reads it to the same", async () => {
    const ours = printDefs(checkDefs(migrated, "mig.def"), { withState: true });
    assert.equal(serverOnly(ours), serverOnly(migrated));
    const again = await startEcflowServer();
    try {
      writeFileSync(join(dir, "ours.def"), ours);
      const load = await again.client([`--load=${join(dir, "ours.def")}`]);
      assert.equal(load.code, 0, load.stderr);
      const back = await again.client(["--migrate=/mig"]);
      assert.equal(serverOnly(back.stdout), serverOnly(migrated));
    } finally {
      await again.stop();
    }
  });

  it("loads the suite with its state into cloudburst", async () => {
    await loadSuites(db.pool, migrated, "mig.def", { actor: "test" });
    const tree = await showTree(db.pool, "/mig");
    const by = (path: string) => tree.find((n) => n.path === path);
    assert.equal(by("/mig/f/a")?.state, "complete");
    assert.equal(by("/mig/f/b")?.state, "aborted");
    assert.equal(by("/mig/g")?.suspended, true);
    assert.equal(by("/mig/f/a")?.meters["prog"], 42);
    assert.equal(by("/mig/f/a")?.labels["info"], "half way");
    assert.equal(by("/mig/f/a")?.events["go"], true);
    assert.equal(by("/mig/f")?.repeat, "I position 3", "6 is the 4th value of 0, 2, 4, ...");
    const begun = await db.pool.query<{ begun_at: Date | null }>(
      "select begun_at from flow_suite where name = 'mig'",
    );
    assert.ok(begun.rows[0]?.begun_at, "a begun suite stays begun");
  });

  it("refuses a definition whose tasks ecFlow is still running, naming them", async () => {
    const running = migrated.replace(/^(\s*task e) # .*$/m, "$1 # try:1 state:active");
    await assert.rejects(
      loadSuites(db.pool, running.replace("suite mig", "suite mig2"), "running.def", { actor: "test" }),
      (error: unknown) =>
        error instanceof FlowCommandError &&
        /\/mig2\/g\/e is active in the saved state: its job reports to ecFlow/.test(error.message),
    );
  });
});
