// `cloudburst demo --keep` as an operator meets it on a terminal: a clean screen (no JSON records, no
// progress text left under other lines), the configuration a second terminal should use, and a second
// terminal in the same directory that reaches the demo or is told exactly what to pass.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { cliPath, runCli, tempDir, waitForOutput } from "../helpers/cli.ts";
import { shownLines } from "./screen.ts";

describe("cloudburst demo --keep on a terminal", () => {
  it("prints a clean summary and the configuration another terminal uses", async () => {
    const cwd = tempDir();
    const env = { ...process.env, DATABASE_URL: "", CLOUDBURST_CONFIG: "" };
    const command = `"${process.execPath}" "${cliPath}" demo --steps 0 --grid 2 --keep`;
    const demo = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let screen = "";
    demo.stdout!.on("data", (d: Buffer) => {
      screen += d.toString();
    });
    try {
      await waitForOutput(demo, /API token: .*Ctrl-C stops/, 300_000);
      const lines = shownLines(screen);
      // Every record, notice and summary line starts a line of its own: no JSON, no progress before it.
      for (const line of lines)
        assert.doesNotMatch(
          line,
          /^\{"level"|(suite (queued|active|submitted|complete)|stream: \d+\/\d+ files)./,
          `shown: ${line}`,
        );
      const file = ".cloudburst/demo/demo.yaml";
      assert.ok(lines.some((l) => l.startsWith(`another terminal: export CLOUDBURST_CONFIG=${cwd}/${file}`)));
      assert.ok(
        lines.some(
          (l) =>
            l ===
            `  configuration:    ${cwd}/${file} (another terminal: export CLOUDBURST_CONFIG=${cwd}/${file})`,
        ),
      );

      // The second terminal, in the same directory.
      const here = await runCli(["cycles", "ls"], { cwd, env: { DATABASE_URL: "" } });
      assert.equal(here.code, 1);
      assert.match(here.stderr, new RegExp(`pass --config ${file.replaceAll(".", "\\.")}`));
      const there = await runCli(["--config", file, "cycles", "ls", "--json"], {
        cwd,
        env: { DATABASE_URL: "" },
      });
      assert.equal(there.code, 0, there.stderr);
      assert.equal((JSON.parse(there.stdout) as unknown[]).length, 1);
    } finally {
      // Ctrl-C on the demo's terminal.
      const exited = new Promise((resolve) => demo.once("exit", resolve));
      demo.stdin!.write("\x03");
      await exited;
    }
  });
});
