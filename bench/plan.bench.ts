// `npm run bench plan [--cycles 1000] [--grid 0.1] [--steps 0-360] [--deadline 90min]`: the capacity
// planner's own question at real scale, as an operator asks it, in a fresh directory (no history: job
// seconds measured on the spot, CloudSigma's provisioning from the thesis's figures, prices from
// CloudSigma's recorded ledger): wall and CPU time of the whole command, the load of the machine, and
// the answer, with CloudSigma's billing read both ways (the seconds used in each 5-minute period, and
// every period in full).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { PlanReport } from "../src/plan/report.ts";
import { collect } from "./collect.ts";

const root = resolve(import.meta.dirname, "..");

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? args[index + 1]! : fallback;
}

/** Runs `cloudburst plan ... --json` under bash's `time`: the report, wall and CPU seconds. */
async function timedPlan(args: string[]): Promise<{ report: PlanReport; wall: number; cpu: number }> {
  const cwd = mkdtempSync(join(tmpdir(), "cb-bench-plan-"));
  // A fresh installation (as `cloudburst init` makes one): no history, so job costs are measured.
  const init = await collect(process.execPath, [join(root, "bin/cloudburst.js"), "init"], cwd);
  if (init.code !== 0)
    throw new Error(`cloudburst init in ${cwd} exited ${init.code}: ${init.err.slice(-800)}`);
  const command = [process.execPath, join(root, "bin/cloudburst.js"), "plan", ...args, "--json"]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
    .join(" ");
  const run = await collect("bash", ["-c", `TIMEFORMAT='@@time %R %U %S'; time ${command}`], cwd);
  rmSync(cwd, { recursive: true, force: true });
  const time = /@@time ([\d.]+) ([\d.]+) ([\d.]+)/.exec(run.err);
  if (run.code !== 0 || !time)
    throw new Error(`cloudburst plan ${args.join(" ")} exited ${run.code}: ${run.err.slice(-800)}`);
  return {
    report: JSON.parse(run.out) as PlanReport,
    wall: Number(time[1]),
    cpu: Number(time[2]) + Number(time[3]),
  };
}

function table(report: PlanReport): string {
  const c = report.currency;
  const rows = report.policies.map((p) => {
    const settings = Object.entries(p.parameters)
      .filter(([k]) => k !== "maxUtilisation")
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    return `| ${p.name} | ${settings} | ${p.nodeMinutes} | ${p.floorRatio} | ${p.computeCostPerCycle} | ${p.costPerCycle} | ${p.costPerMonth} | ${(p.onTimeRate * 100).toFixed(1)} % | ${p.p95LatencySeconds} | ${(p.completionSeconds.p95 / 60).toFixed(1)} |`;
  });
  return [
    `| policy | settings | node-min | × floor | compute ${c}/cycle | all ${c}/cycle | ${c}/month | on time | p95 latency s | done p95 (min) |`,
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    `| floor | clairvoyant, ${report.floor.cpusPerNode}-CPU nodes | ${report.floor.nodeMinutes} | 1 | ${report.floor.computeCostPerCycle} | ${report.floor.costPerCycle} | ${report.floor.costPerMonth} | | ${report.floor.p95LatencySeconds} | |`,
  ].join("\n");
}

export async function run(args: string[]): Promise<void> {
  const question = [
    "--steps",
    option(args, "steps", "0-360"),
    "--grid",
    option(args, "grid", "0.1"),
    "--provider",
    "cloudsigma",
    "--deadline",
    option(args, "deadline", "90min"),
    "--cycles",
    option(args, "cycles", "1000"),
  ];
  for (const billing of ["prorated", "period"]) {
    const load = loadavg()[0]!.toFixed(1);
    const { report, wall, cpu } = await timedPlan([...question, "--billing", billing]);
    process.stdout.write(
      [
        `cloudburst plan ${question.join(" ")} --billing ${billing} --json`,
        `${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU (load average ${load} before, ${loadavg()[0]!.toFixed(1)} after); the simulation itself ${report.elapsedSeconds} s`,
        "",
        table(report),
        "",
        `recommendation: ${report.recommendation.summary}`,
        report.recommendation["savingPercent"] !== undefined
          ? `saving against the thesis's policy: ${report.recommendation["savingPerCycle"]} ${report.currency} a cycle, ${report.recommendation["savingPerMonth"]} a month (${report.recommendation["savingPercent"]} % of the bill, ${report.recommendation["computeSavingPercent"]} % of the compute)`
          : "",
        ...report.inputs.jobs.map((j) => `job ${j.product}: ${j.p50Seconds.toFixed(2)} s (${j.source})`),
        ...report.warnings.map((w) => `warning: ${w}`),
        "",
        "",
      ].join("\n"),
    );
  }
}
