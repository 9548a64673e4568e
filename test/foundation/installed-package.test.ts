// The npm package as npm installs it, its sources under node_modules, where Node strips no types:
// bin/cloudburst.js has bin/strip-types.js strip them, in its own process when it runs on Node 24 (no
// second Node start), in the Node 24 an older Node hands over to, and in worker threads.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { projectRoot, systemNode, tempDir } from "../helpers/cli.ts";

// Each Node process the command runs in says its pid first (NODE_OPTIONS reaches a handed-over one too).
const pidHook = `--import=data:text/javascript;base64,${Buffer.from(
  'process.stderr.write("pid " + process.pid + "\\n");',
).toString("base64")}`;

function run(
  node: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      node,
      args,
      { cwd, env: { ...process.env, NODE_OPTIONS: pidHook }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The pids the command ran in, and its stderr without them. */
function processes(stderr: string): { pids: Set<string>; rest: string } {
  return {
    pids: new Set([...stderr.matchAll(/^pid (\d+)$/gm)].map((m) => m[1] as string)),
    rest: stderr.replace(/^pid \d+\n/gm, ""),
  };
}

describe("the npm package, installed under node_modules", () => {
  let dir = "";
  let bin = "";
  let def = "";
  before(() => {
    dir = tempDir("cb-installed-");
    const pkg = join(dir, "node_modules", "cloudburst");
    mkdirSync(pkg, { recursive: true });
    for (const part of ["bin", "src", "package.json"])
      cpSync(join(projectRoot, part), join(pkg, part), { recursive: true });
    symlinkSync(join(projectRoot, "node_modules"), join(pkg, "node_modules"));
    bin = join(pkg, "bin", "cloudburst.js");
    def = join(dir, "s.def");
    writeFileSync(
      def,
      "suite s\n  family f\n    task a\n    task b\n      trigger a == complete\n  endfamily\nendsuite\n",
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("runs a command on Node 24 in one process", async () => {
    const r = await run(process.execPath, [bin, "suite", "check", def], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: .*s\.def: 1 suite\(s\), 4 nodes, 2 tasks\n$/);
    const { pids, rest } = processes(r.stderr);
    assert.equal(pids.size, 1, r.stderr);
    assert.equal(rest, "", "no warning (the type stripper's 'experimental' included)");
  });

  it("gives a worker thread the type stripping: the stream's encoder runs on one", async () => {
    const r = await run(
      process.execPath,
      [bin, "sim", "ecmwf", "--prepare", join(dir, "stream"), "--grid", "5", "--steps", "0"],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 files of cycle .* prepared in /);
    assert.equal(processes(r.stderr).rest, "");
  });

  it("writes shims that strip types too: ecflow_client runs a TypeScript module directly", async () => {
    const shims = join(dir, "shims");
    const written = await run(process.execPath, [bin, "shims", shims], dir);
    assert.equal(written.code, 0, written.stderr);
    const r = await run(join(shims, "ecflow_client"), ["--help"], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: ecflow_client/);
  });

  it("is handed over by an older Node first on PATH to the Node 24 it carries", async () => {
    // The machines this runs on carry Debian's Node 20 besides the pinned Node 24 (see the README).
    const older = systemNode();
    assert.notEqual(older, process.execPath, "an older Node on PATH, as the machine's own");
    const r = await run(older, [bin, "suite", "check", def], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 tasks/);
    const { pids, rest } = processes(r.stderr);
    assert.equal(pids.size, 2, r.stderr);
    assert.equal(rest, "");
  });
});
