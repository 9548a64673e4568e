// The planner's prediction for a cycle `cloudburst demo` just ran (`plan check` on the demo's own
// database, in its working directory): node-minutes and p95 latency predicted against measured, and
// the clairvoyant floor from the run's own arrivals, job times and boots, and where the run's node time
// went against what the floor charges. Used by the cycle benchmark.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CheckReport } from "../src/plan/check.ts";
import { collect } from "./collect.ts";

const root = resolve(import.meta.dirname, "..");

/** Predicts the demo run in `cwd`; the whole report is kept as bench/out/plan-check/NAME.json. */
export async function checkDemo(cwd: string, name: string): Promise<CheckReport | { failed: string }> {
  const config = join(cwd, ".cloudburst", "demo", "demo.yaml");
  const run = await collect(
    process.execPath,
    [join(root, "bin/cloudburst.js"), "-c", config, "plan", "check", "--json"],
    cwd,
  );
  if (run.code !== 0) return { failed: run.err.trim().split("\n")[0] ?? `exit ${run.code}` };
  mkdirSync(join(root, "bench/out/plan-check"), { recursive: true });
  writeFileSync(join(root, "bench/out/plan-check", `${name}.json`), run.out);
  return JSON.parse(run.out) as CheckReport;
}

const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(0)} %`;

/** The benchmark table's columns for one run: predicted node-minutes and p95 (error), the floor, ×floor. */
export function checkColumns(check: CheckReport | { failed: string }): string {
  if ("failed" in check) return `| ${check.failed} | | | | |`;
  const s = check.measured.split;
  return `| ${check.predicted.nodeMinutes} (${pct(check.error.nodeMinutes)}) | ${check.predicted.p95LatencySeconds} (${pct(check.error.p95LatencySeconds)}) | ${check.floor.nodeMinutes} | ${check.floor.measuredRatio} | ${s.beforeDataSeconds} / ${s.extraNodesSeconds} / ${s.oneNodeSeconds} / ${s.afterWorkSeconds} (${check.floor.bootSeconds} / ${check.floor.teardownSeconds}) |`;
}

export const checkHeader =
  " predicted node-min (error) | predicted p95 s (error) | floor node-min | measured × floor | node s: before data / extra nodes / one node / after last job (floor: boot / teardown) |";
export const checkRule = "---|---|---|---|---|";
