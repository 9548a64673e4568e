// `npm run bench faults -- --runs 50`: the fault-injection harness (test/reliability/harness.ts) over
// many seeds. Each run plays a small cycle (steps 0-3, 2° grid, schedule 60× faster) with its server,
// stream, workers and PostgreSQL in processes of their own, and kills two of them (server, a worker,
// the postmaster) at moments its seed chooses. Prints the outcome table bench/RESULTS.md records, and
// the totals: hung, lost, duplicated and stuck must all be 0. Options: --runs N, --first-seed S,
// --kills K (per run), --steps, --grid, --time-factor, --keep (leave the runs' directories), and
// --provider cloudsigma: the nodes are the CloudSigma simulator's servers, the simulator a process of
// its own, and each run's first kill is of it (an API outage: killed, back on its port 2 s later).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cloudFaultTargets,
  type FaultOutcome,
  faultPlan,
  faultTargets,
  outcomeTable,
  prepareFaultInputs,
  runFaultCycle,
} from "../test/reliability/harness.ts";

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && args[index + 1] ? args[index + 1]! : fallback;
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(option(args, "runs", "50"));
  const firstSeed = Number(option(args, "first-seed", "1"));
  const kills = Number(option(args, "kills", "2"));
  const keep = args.includes("--keep");
  const fleet = option(args, "provider", "local");
  if (fleet !== "local" && fleet !== "cloudsigma")
    throw new Error(`--provider ${fleet}: expected local or cloudsigma`);
  const plan = (seed: number) =>
    fleet === "cloudsigma"
      ? faultPlan(seed, { count: kills, windowMs: 20_000, targets: cloudFaultTargets, first: "provider" })
      : faultPlan(seed, { count: kills, windowMs: 20_000, targets: faultTargets });
  const dir = mkdtempSync(join(tmpdir(), "cb-bench-faults-"));
  const outcomes: FaultOutcome[] = [];
  try {
    const inputs = await prepareFaultInputs(
      dir,
      option(args, "steps", "0-3"),
      Number(option(args, "grid", "2")),
    );
    for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
      const outcome = await runFaultCycle({
        seed,
        ...inputs,
        faults: plan(seed),
        fleet,
        timeFactor: Number(option(args, "time-factor", "60")),
        limitSeconds: 180,
        parentDir: dir,
        keep,
      });
      outcomes.push(outcome);
      const problems = [...outcome.lost, ...outcome.duplicated, ...outcome.stuck];
      process.stderr.write(
        `seed ${seed}: ${outcome.completed ? "complete" : outcome.suiteState}${outcome.hung ? " HUNG" : ""}, ` +
          `${outcome.faults.map((f) => f.note).join("; ")}; ${outcome.cycleSeconds} s` +
          `${problems.length ? `\n  ${problems.join("\n  ")}` : ""}\n`,
      );
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  const count = (pick: (o: FaultOutcome) => number) => outcomes.reduce((n, o) => n + pick(o), 0);
  const reference = outcomes.find((o) => o.completed)?.delivered;
  // The same stream makes the same products: a run that delivered other names or bytes lost some.
  const differing = outcomes.filter(
    (o) => reference && [...reference].some(([name, sha]) => o.delivered.get(name) !== sha),
  );
  process.stdout.write(
    `${outcomeTable(outcomes)}\n\n${outcomes.length} runs (seeds ${firstSeed}-${firstSeed + outcomes.length - 1}), ` +
      `${kills} kills each, ${fleet} nodes: ${outcomes.filter((o) => o.completed).length} completed, ` +
      `${outcomes.filter((o) => o.hung).length} hung, ${count((o) => o.lost.length)} lost, ` +
      `${count((o) => o.duplicated.length)} duplicated, ${count((o) => o.stuck.length)} stuck or left running, ` +
      `${differing.length} delivered other products than the first complete run\n`,
  );
}
