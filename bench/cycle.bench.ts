// `npm run bench cycle [--steps 0-24] [--grid 1] [--nodes 2] [--factors 10,60] [--providers local,sim-cloudsigma] [--fixed-nodes]`:
// replays a cycle with `cloudburst demo` (a fresh process and data directory per run) at each time
// factor (10 = ten times ECMWF's real dissemination rate) and with each provider, and reports the
// arrival-to-delivery latency per step (p50/p95/max), whether every step's products were delivered
// before the next step arrived, and node-minutes against the ideal (job CPU time over one core per node);
// then the planner's prediction of the run (`plan check`): node-minutes and p95 against measured, the
// clairvoyant floor from the run's own arrivals, job times, boots and teardowns, and where the run's
// node time went (before the first data, extra nodes, one node, after the last job).
// Compute nodes are autoscaled (at most --nodes at once) unless --fixed-nodes keeps them all up.
// The stream is prepared once per grid and steps (cached in bench/out/cycle/) and played by every run.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { DemoSummary } from "../src/cycle/summary.ts";
import { collect } from "./collect.ts";
import { checkColumns, checkDemo, checkHeader, checkRule } from "./plan-check.ts";

const root = resolve(import.meta.dirname, "..");

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? args[index + 1]! : fallback;
}

async function runDemo(
  args: string[],
  name: string,
): Promise<DemoSummary & { check: Awaited<ReturnType<typeof checkDemo>> }> {
  const cwd = mkdtempSync(join(tmpdir(), "cb-bench-cycle-"));
  const run = await collect(
    process.execPath,
    [join(root, "bin/cloudburst.js"), "demo", "--json", ...args],
    cwd,
  );
  // The planner predicts the run from its own database before the directory goes.
  const check = run.code === 0 ? await checkDemo(cwd, name) : { failed: "no run" };
  rmSync(cwd, { recursive: true, force: true });
  if (run.code !== 0)
    throw new Error(`cloudburst demo ${args.join(" ")} exited ${run.code}: ${run.err.slice(-500)}`);
  return { ...(JSON.parse(run.out) as DemoSummary), check };
}

/** The benchmark's cycle, prepared once: encoding a 0.25° cycle takes minutes, playing it none. */
async function preparedStream(grid: string, steps: string): Promise<string> {
  const dir = join(root, "bench/out/cycle", `${grid}deg-steps-${steps.replace(/[^0-9-]/g, "_")}`);
  if (existsSync(join(dir, "stream.json"))) return dir;
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`preparing the stream in ${dir} (once)\n`);
  await new Promise<void>((resolveDone, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "bin/cloudburst.js"),
        "sim",
        "ecmwf",
        "--prepare",
        dir,
        "--grid",
        grid,
        "--steps",
        steps,
        "--base-time",
        "2026-11-24T00:00Z",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    child.on("close", (code) =>
      code === 0 ? resolveDone() : reject(new Error(`sim ecmwf --prepare exited ${code}`)),
    );
  });
  return dir;
}

export async function run(args: string[]): Promise<void> {
  const steps = option(args, "steps", "0-24");
  const grid = option(args, "grid", "1");
  const nodes = option(args, "nodes", "2");
  const factors = option(args, "factors", "10,60").split(",");
  const providers = option(args, "providers", "local,sim-cloudsigma").split(",");
  const fixed = args.includes("--fixed-nodes");
  const stream = await preparedStream(grid, steps);
  process.stdout.write(
    `cycle replay: steps ${steps}, ${grid}° global grid, ${fixed ? `${nodes} compute nodes all cycle` : `autoscaled compute, at most ${nodes} nodes`}\n\n`,
  );
  process.stdout.write(
    `| provider | rate | seconds | products delivered | latency p50 / p95 / max (s) | before next step | nodes started (peak) | node-minutes | ideal | ratio | node s: boot / busy / idle |${checkHeader}\n|---|---|---|---|---|---|---|---|---|---|---|${checkRule}\n`,
  );
  for (const provider of providers) {
    for (const factor of factors) {
      const s = await runDemo(
        [
          "--stream",
          stream,
          "--nodes",
          nodes,
          "--time-factor",
          factor,
          "--provider",
          provider,
          ...(fixed ? ["--fixed-nodes"] : []),
        ],
        `${basename(stream)}-${provider}-${factor}x`,
      );
      const l = s.stepLatencySeconds;
      const ratio = s.idealNodeMinutes > 0 ? (s.nodeMinutes / s.idealNodeMinutes).toFixed(1) : "–";
      process.stdout.write(
        `| ${provider} | ${factor}× | ${s.seconds} | ${s.productsDelivered}/${s.productsOut} | ${l ? `${l.p50} / ${l.p95} / ${l.max}` : "–"} | ${s.deliveredBeforeNextStep ? "yes" : "no"} | ${s.nodes} (${s.peakNodes}) | ${s.nodeMinutes} | ${s.idealNodeMinutes} | ${ratio} | ${s.nodeTime.bootSeconds} / ${s.nodeTime.busySeconds} / ${s.nodeTime.idleSeconds} ${checkColumns(s.check)}\n`,
      );
    }
  }
}
