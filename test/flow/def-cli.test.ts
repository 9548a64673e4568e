// `cloudburst suite check FILE.def [--print]` as a user runs it.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli, tempDir } from "../helpers/cli.ts";
import { sampleDef } from "./fixtures/reference.ts";

describe("cloudburst suite check", () => {
  it("accepts the sample and prints it back as .def text", async () => {
    const ok = await runCli(["suite", "check", sampleDef]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ok: .*ecflow-sample\.def: 1 suite\(s\), 10 nodes, 6 tasks/);
    const printed = await runCli(["suite", "check", "--print", sampleDef]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /^extern \/other\/suite\/task\nsuite cycle_00\n/);
    // Printing what we printed gives the same text.
    const dir = tempDir();
    writeFileSync(join(dir, "out.def"), printed.stdout);
    const again = await runCli(["suite", "check", "--print", join(dir, "out.def")]);
    assert.equal(again.stdout, printed.stdout);
  });

  it("exits 1 with file:line:col errors on stderr", async () => {
    const dir = tempDir();
    const file = join(dir, "bad.def");
    writeFileSync(
      file,
      "suite x\n  task t\n    trigger nosuch == complete and (\n    time 10:00 20:00\nendsuite\n",
    );
    const r = await runCli(["suite", "check", file]);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0] as string, new RegExp(`^${file}:3:37: the expression ends too early`));
    assert.match(lines[1] as string, new RegExp(`^${file}:4:21: missing the increment`));
    assert.equal(r.stdout, "");
  });

  it("loads neither the configuration, the database nor the engine", async () => {
    // A hook in the CLI's process lists every module it loads. A check needs none of these, and
    // loading them (zod, yaml, pg, the engine) cost more CPU than checking 10,000 tasks.
    const hook = `import m from "node:module";
      m.registerHooks({ load(url, context, next) { process.stderr.write("module " + url + "\\n"); return next(url, context); } });`;
    const r = await runCli(["suite", "check", sampleDef], {
      env: { NODE_OPTIONS: `--import=data:text/javascript;base64,${Buffer.from(hook).toString("base64")}` },
    });
    assert.equal(r.code, 0, r.stderr);
    const loaded = [...r.stderr.matchAll(/^module (.*)$/gm)].map((m) => m[1] as string);
    assert.ok(
      loaded.some((u) => u.endsWith("/src/flow/def/parser.ts")),
      r.stderr,
    );
    const needless = loaded.filter((u) =>
      /\/node_modules\/(pg|pg-[a-z-]+|zod|yaml)\/|\/src\/(db|config|flow\/engine)\//.test(u),
    );
    assert.deepEqual(needless, []);
  });

  it("keeps V8's young generation from growing while it builds a large model", async () => {
    // Growing it costs more in page faults than it saves (src/cli/one-pass.ts). A hook in the CLI's
    // process reports the young generation's size at exit: start-up (commander, the parser's modules)
    // takes it to 4 MiB before the command runs, and 5,000 tasks take it to 16 MiB when nothing holds
    // it back.
    const hook = `import v8 from "node:v8";
      process.on("exit", () => {
        const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
        process.stderr.write("young " + young + "\\n");
      });`;
    const dir = tempDir();
    try {
      const file = join(dir, "big.def");
      const tasks = Array.from(
        { length: 5000 },
        (_, i) => `  task t${i}\n    event done\n    meter progress 0 100\n    label info "task ${i}"\n`,
      );
      writeFileSync(file, `suite big\n${tasks.join("")}endsuite\n`);
      const r = await runCli(["suite", "check", file], {
        env: { NODE_OPTIONS: `--import=data:text/javascript;base64,${Buffer.from(hook).toString("base64")}` },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /5000 tasks/);
      const young = Number(/^young (\d+)$/m.exec(r.stderr)?.[1]);
      assert.ok(young > 0 && young <= 4 * 2 ** 20, r.stderr);
      // (a V8 that no longer knew one of the flags src/cli/one-pass.ts sets would say "unrecognized flag" here)
      assert.equal(r.stderr.replace(/^young .*\n/m, ""), "");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 1 when the file cannot be read", async () => {
    const r = await runCli(["suite", "check", "/nonexistent/x.def"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read \/nonexistent\/x\.def/);
    assert.ok(readFileSync(sampleDef));
  });
});
