// `npm test`: type-check, lint, then every test file; ends with one "N passed, N failed" line.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedCluster, stopEmbeddedCluster } from "../src/db/embedded.ts";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function runCheck(name: string, command: string, args: string[], counts: Counts): void {
  process.stdout.write(`\n== ${name}: ${command} ${args.join(" ")}\n`);
  const result = spawnSync(command, args, { stdio: "inherit" });
  if (result.status === 0) counts.passed++;
  else {
    counts.failed++;
    process.stdout.write(`== ${name} FAILED (exit ${result.status})\n`);
  }
}

/** Runs a child to its end without blocking this process's event loop; its exit code. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    spawn(command, args, { stdio: "inherit", env }).on("error", reject).on("close", resolve);
  });
}

// Asynchronous: this process owns the embedded PostgreSQL and must keep reading its log pipe. Blocked
// in spawnSync, the pipe filled up in a long run and the checkpointer hung writing to it (a DROP
// DATABASE then waited forever).
async function runTests(files: string[], counts: Counts, databaseUrl: string): Promise<void> {
  const summaryFile = join(tmpdir(), `cloudburst-test-summary-${process.pid}.json`);
  process.stdout.write(`\n== tests: node --test ${files.length ? files.join(" ") : "test/**/*.test.ts"}\n`);
  const status = await run(
    process.execPath,
    [
      "--test",
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      "--test-reporter=./scripts/summary-reporter.ts",
      `--test-reporter-destination=${summaryFile}`,
      ...(files.length ? files : ["test/**/*.test.ts"]),
    ],
    { ...process.env, CLOUDBURST_TEST: "1", CLOUDBURST_TEST_PG_URL: databaseUrl },
  );
  try {
    const summary = JSON.parse(readFileSync(summaryFile, "utf8")) as Counts;
    counts.passed += summary.passed;
    counts.failed += summary.failed;
    counts.skipped += summary.skipped;
    rmSync(summaryFile, { force: true });
  } catch {
    counts.failed++;
    process.stdout.write(`== tests: the runner exited ${status} without a summary\n`);
  }
  if (status !== 0 && counts.failed === 0) counts.failed++;
}

const files = process.argv.slice(2);
const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
if (files.length === 0) {
  runCheck("typecheck", process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "-p", "."], counts);
  runCheck("lint", process.execPath, ["node_modules/@biomejs/biome/bin/biome", "check", "."], counts);
}
// One embedded PostgreSQL for the whole run; each test file creates its own database in it.
const cluster = await startEmbeddedCluster(mkdtempSync(join(tmpdir(), "cb-testpg-")), 0);
try {
  await runTests(files, counts, cluster.url);
} finally {
  await stopEmbeddedCluster(cluster);
}
process.stdout.write(
  `\n${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}\n`,
);
process.exitCode = counts.failed === 0 ? 0 : 1;
