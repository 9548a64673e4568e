// `cloudburst plan`: the cheapest fleet that meets the deadline, from measured costs, for a real cycle:
// whole cycles simulated at real time, the policies side by side, the recommendation. `plan check`:
// the planner's prediction for a recorded cycle against what that cycle paid and delivered.
import { type Command, InvalidArgumentError, Option } from "commander";
import type { Config } from "../../config/load.ts";
import { cycleSuiteBaseTime, cycleSuiteName } from "../../cycle/names.ts";
import { checkCycle } from "../../plan/check.ts";
import { parseDuration } from "../../plan/distribution.ts";
import { PlanInputError } from "../../plan/errors.ts";
import { gatherEvidence, planProducts, withMeasured } from "../../plan/evidence.ts";
import { provisionSamplesUntil, recordedCycles } from "../../plan/history.ts";
import { deadlineAfterFirstData, type PlanQuestion } from "../../plan/inputs.ts";
import { renderPlan } from "../../plan/report.ts";
import { runPlan } from "../../plan/run.ts";
import { positiveNumber } from "../arguments.ts";
import { commandConfig, withDatabase } from "../context.ts";
import { UsageError, UserError } from "../errors.ts";
import { printJson, progress } from "../output.ts";

function whole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}

function probability(value: string): number {
  const percent = value.trim().endsWith("%");
  const n = Number(value.replace("%", "")) / (percent ? 100 : 1);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError("expected a probability such as 0.99 or 99%");
  return n;
}

function sizes(value: string): number[] {
  return value.split(",").map((v) => whole(v.trim()));
}

function seconds(value: string): number[] {
  return value.split(",").map((v) => {
    try {
      return parseDuration(v, "--backlog");
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  });
}

function subscriptions(value: string): { vlan: number; ip: number } {
  const counts = { vlan: 0, ip: 0 };
  for (const part of value.split(",").filter(Boolean)) {
    const [name, count] = part.split("=");
    if ((name !== "vlan" && name !== "ip") || !/^\d+$/.test(count ?? ""))
      throw new InvalidArgumentError('expected e.g. "vlan=1,ip=1"');
    counts[name] = Number(count);
  }
  return counts;
}

interface PlanOptions {
  steps: string;
  grid?: number;
  provider?: "local" | "cloudsigma";
  deadline: string;
  probability: number;
  cycles: number;
  seed: number;
  timeFactor: number;
  products?: string;
  jitter?: string;
  delay?: string;
  measure?: boolean;
  jobTime: "wall" | "cpu";
  cpuSpeed: number;
  nodeSizes: number[];
  maxNodes: number;
  backlog?: number[];
  prices?: string;
  pricePerCpuHour?: number;
  billing?: "prorated" | "period";
  dataServerCpus: number;
  subscriptions: { vlan: number; ip: number };
  cyclesPerDay: number;
  history: number;
  json?: boolean;
}

/** The planner's own errors are the operator's to fix: what is wrong, and what to do. */
async function asUserErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PlanInputError) throw new UserError(error.message, error.hint);
    throw error;
  }
}

async function latestGrid(config: Config): Promise<number> {
  const records = await withDatabase(config, (db) =>
    recordedCycles(db.pool, { producer: config.cycle.producer, limit: 1 }),
  );
  const grid = records[0]?.grid;
  if (grid === undefined || grid === null)
    throw new UsageError("--grid is needed: no cycle is recorded in this database to take the grid from");
  return grid;
}

async function plan(options: PlanOptions, command: Command): Promise<void> {
  const config = commandConfig(command);
  let deadlineSeconds: number;
  try {
    deadlineSeconds = deadlineAfterFirstData(options.deadline, options.steps);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const question: PlanQuestion = {
    steps: options.steps,
    grid: options.grid ?? (await latestGrid(config)),
    provider: options.provider ?? config.fleet.provider,
    deadlineSeconds,
    probability: options.probability,
    cycles: options.cycles,
    seed: options.seed,
    timeFactor: options.timeFactor,
    products: options.products?.split(",").map((p) => p.trim()),
    jitter: options.jitter,
    delay: options.delay,
    jobTime: options.jobTime,
    cpuSpeed: options.cpuSpeed,
    nodeSizes: options.nodeSizes,
    maxNodes: options.maxNodes,
    backlogSeconds: options.backlog,
    pricePerCpuHour: options.pricePerCpuHour,
    billingRounding: options.billing,
    dataServerCpus: options.dataServerCpus,
    subscriptions: options.subscriptions,
    cyclesPerDay: options.cyclesPerDay,
  };
  const status = progress();
  const report = await asUserErrors(async () => {
    const gathered = await withDatabase(config, (db) =>
      gatherEvidence(config, db.pool, question, {
        measure: options.measure === undefined ? "auto" : options.measure ? "always" : "never",
        pricesFile: options.prices,
        historyCycles: options.history,
      }),
    );
    const evidence = await withMeasured(gathered.toMeasure, gathered.evidence, question.grid, (what) =>
      status.update(what),
    );
    status.update(`simulating ${question.cycles} cycles`);
    return runPlan(question, evidence);
  }).finally(() => status.done());
  if (options.json) printJson(report);
  else process.stdout.write(renderPlan(report));
}

async function check(
  cycle: string | undefined,
  own: { runs: number; tolerance: number },
  command: Command,
): Promise<void> {
  const config = commandConfig(command);
  // --seed and --json are also `plan`'s: commander gives them to it, wherever they are written.
  const shared = command.parent?.opts<{ seed: number; json?: boolean }>() ?? { seed: 1 };
  const options = { cycles: own.runs, seed: shared.seed, tolerance: own.tolerance, json: shared.json };
  let suite: string | undefined;
  if (cycle) {
    const base = new Date(cycle);
    suite = cycleSuiteBaseTime(cycle)
      ? cycle
      : Number.isNaN(base.getTime())
        ? undefined
        : cycleSuiteName(base);
    if (!suite)
      throw new UsageError(
        `"${cycle}" is neither a cycle suite (cycle_20261124_00) nor a base time (2026-11-24T00Z)`,
      );
  }
  const report = await asUserErrors(() =>
    withDatabase(config, async (db) => {
      const [record] = await recordedCycles(db.pool, { producer: config.cycle.producer, limit: 1, suite });
      if (!record)
        throw new PlanInputError(
          suite ? `no cycle ${suite} is recorded in this database` : "no cycle is recorded in this database",
          "run one first (`cloudburst demo` records one in its own data directory)",
        );
      const provider = record.nodes[0]?.provider ?? config.fleet.provider;
      const end = new Date(
        Math.max(
          ...record.nodes.map((n) => (n.goneAt ?? n.requestedAt).getTime()),
          record.baseTime.getTime(),
        ) + 1000,
      );
      const samples = await provisionSamplesUntil(db.pool, provider, end, config.fleet.leadTime.window);
      return checkCycle(
        record,
        {
          products: planProducts(config).products,
          fleet: config.fleet,
          ingestConcurrency: config.ingest.concurrency,
          samples,
        },
        options,
      );
    }),
  );
  if (options.json) {
    printJson(report);
    return;
  }
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
  process.stdout.write(
    [
      `cycle ${report.cycle} (${report.steps} steps at ${report.grid}°, ${report.timeFactor}× ECMWF's rate, ${report.provider}, ${report.policy["name"]})`,
      `  node-minutes:  measured ${report.measured.nodeMinutes}, predicted ${report.predicted.nodeMinutes} (p5-p95 ${report.predicted.nodeMinutesP5}-${report.predicted.nodeMinutesP95}), ${pct(report.error.nodeMinutes)}`,
      `  latency p95:   measured ${report.measured.p95LatencySeconds} s, predicted ${report.predicted.p95LatencySeconds} s (p5-p95 ${report.predicted.p95LatencyP5}-${report.predicted.p95LatencyP95}), ${pct(report.error.p95LatencySeconds)}`,
      `  floor:         ${report.floor.nodeMinutes} node-minutes (boot ${report.floor.bootSeconds} s, teardown ${report.floor.teardownSeconds} s); measured ${report.floor.measuredRatio}×, predicted ${report.floor.predictedRatio}×`,
      `  ${report.withinTolerance ? "within" : "NOT within"} ${report.tolerance * 100} %`,
      ...report.warnings.map((w) => `  warning: ${w}`),
      "",
    ].join("\n"),
  );
}

export function registerPlanCommand(program: Command): void {
  const command = program
    .command("plan")
    .description(
      "the cheapest fleet that meets a deadline: whole cycles simulated from the recorded history, policies side by side",
    )
    .option("--steps <spec>", "ECMWF steps of the cycle", "0-360")
    .option(
      "--grid <degrees>",
      "the model grid's increment (default: the latest recorded cycle's)",
      positiveNumber,
    )
    .addOption(
      new Option("--provider <provider>", "where nodes come from (default: fleet.provider)").choices([
        "local",
        "cloudsigma",
      ]),
    )
    .option(
      "--deadline <time>",
      'every product delivered by: "90min" after the first data, "T+7h30m" after the base time, or "none"',
      "none",
    )
    .option("--probability <p>", "the share of cycles that must be on time", probability, 0.99)
    .option("--cycles <n>", "Monte Carlo cycles", whole, 1000)
    .option("--seed <n>", "the random seed (the same seed, the same cycles)", whole, 1)
    .option(
      "--time-factor <x>",
      "ECMWF's schedule compressed this many times (1: real time)",
      positiveNumber,
      1,
    )
    .option("--products <names>", "only these of the cycle's products (comma-separated)")
    .option(
      "--jitter <distribution>",
      "each file's lateness instead of the recorded (after its due time, or the file before it): none, exp:10s, uniform:0,30s, normal:5s,2s",
    )
    .option("--delay <distribution>", "the whole cycle's lateness instead of the recorded, as --jitter")
    .option(
      "--measure",
      "measure every product's job on the spot (default: those the history lacks at the grid)",
    )
    .option("--no-measure", "never measure: fail when the history lacks a product at the grid")
    .addOption(
      new Option("--job-time <kind>", "a job's seconds: its wall time on the node, or its CPU")
        .choices(["wall", "cpu"])
        .default("wall"),
    )
    .option("--cpu-speed <x>", "a node's CPU against the one the jobs were recorded on", positiveNumber, 1)
    .option("--node-sizes <cpus>", "node sizes to try, in CPUs", sizes, [1, 2, 4])
    .option("--max-nodes <n>", "the most nodes a policy may use", whole, 16)
    .option(
      "--backlog <seconds>",
      "the autoscaler's backlog windows to try (default: fleet.autoscale.backlogSeconds)",
      seconds,
    )
    .option("--prices <file>", "a saved CloudSigma GET /pricing/ answer")
    .option(
      "--price-per-cpu-hour <price>",
      "a node's price per CPU and hour instead of a price list",
      positiveNumber,
    )
    .addOption(
      new Option(
        "--billing <rounding>",
        "prorated: the seconds used in each 5-minute period; period: every period in full",
      ).choices(["prorated", "period"]),
    )
    .option(
      "--data-server-cpus <n>",
      "the data server's CPUs (priced like nodes, with a 100 GiB disk)",
      whole,
      4,
    )
    .option(
      "--subscriptions <counts>",
      "VLAN and IP subscriptions the environment pays monthly",
      subscriptions,
      { vlan: 1, ip: 1 },
    )
    .option("--cycles-per-day <n>", "cycles a day (for the monthly figures)", whole, 4)
    .option("--history <n>", "recorded cycles to learn from, newest first", whole, 20)
    .option("--json", "print JSON")
    .action((options: PlanOptions, cmd: Command) => plan(options, cmd));
  command
    .command("check [cycle]")
    .description(
      "predict a recorded cycle (the latest by default) from its own record and compare with what it paid and delivered",
    )
    .option("--runs <n>", "Monte Carlo cycles of the prediction", whole, 200)
    .option("--tolerance <share>", "the largest relative error called a match", positiveNumber, 0.15)
    .addHelpText("after", "\n--seed and --json are plan's own options: `cloudburst plan check --json`.")
    .action((cycle: string | undefined, options: { runs: number; tolerance: number }, cmd: Command) =>
      check(cycle, options, cmd),
    );
}
