// `npm run bench autoscale [--cycles 200]`: the autoscaler's decision function (fleet/autoscale.ts,
// driven by the planner's simulated controller and clock) against the clairvoyant floor of each
// simulated cycle, on demo-like cycles, without the noise of a shared machine: the node time each pays,
// where it went (before the first data, more than one node up, one node, after the last job) and the
// steps' latency. The cycles are the demo's hourly steps at 1° (its seven products, each job's seconds
// as a quiet 1° run recorded them, ±30 %), local boots as recorded (median 1.14 s, p95 2.4 s), the
// demo's fleet settings (backlog window 1 s, lead time p95 + 0.2 s). The cycle benchmark measures the
// same on a real run; this one isolates the decision function, so that two commits can be compared.
import { stepArrivals } from "../src/cycle/dissemination.ts";
import { fleetConfigSchema } from "../src/fleet/config.ts";
import { floorNodeSeconds } from "../src/plan/floor.ts";
import { buildPlan } from "../src/plan/inputs.ts";
import { drawCycles, runPolicy } from "../src/plan/montecarlo.ts";
import { seededRandom } from "../src/plan/random.ts";
import type { RecordedCycle, RecordedJob } from "../src/plan/records.ts";
import { splitNodeTime } from "../src/plan/split.ts";

/** Wall seconds of each product's job at 1° (p50 of a quiet run), and its suite weight. */
const products: Record<string, { seconds: number; weight: number }> = {
  model_levels: { seconds: 0.44, weight: 8 },
  windvector: { seconds: 0.26, weight: 4 },
  relative_humidity: { seconds: 0.21, weight: 2 },
  theta_w: { seconds: 0.11, weight: 1 },
  precipitation_1h: { seconds: 0.08, weight: 1 },
  precipitation_rate: { seconds: 0.08, weight: 1 },
  t2m_celsius: { seconds: 0.07, weight: 1 },
};
const boots = [0.9, 1.0, 1.1, 1.14, 1.2, 1.3, 1.5, 2.4];
const teardown = 0.2;
const baseTime = new Date("2026-11-24T00:00:00Z");
const minuteOf = new Map(stepArrivals(360).map((a) => [a.step, a.minute]));

interface Scenario {
  steps: number;
  factor: number;
  /** The jobs' seconds against the recorded ones (0.25: the product set of a lighter grid). */
  jobScale: number;
}

/** The recorded cycle the planner learns the scenario from: one node ran every step's jobs in turn. */
function recorded(s: Scenario): RecordedCycle {
  const random = seededRandom(7);
  const at = (seconds: number) => new Date(baseTime.getTime() + seconds * 1000);
  const steps = Array.from({ length: s.steps }, (_, i) => i);
  const received = (step: number) => -1500 + (60 / s.factor) * minuteOf.get(step)! + 0.2 * random();
  const arrivals = steps.map(received);
  const jobs = steps.flatMap((step): RecordedJob[] => {
    const ready = arrivals[step]! + 0.08;
    let t = ready + 0.02;
    return Object.entries(products).map(([product, p]) => {
      const seconds = p.seconds * s.jobScale * (0.7 + 0.6 * random());
      const job = { product, step, readyAt: at(ready), startedAt: at(t), endedAt: at(t + seconds) };
      t += seconds + 0.02;
      return { ...job, worker: "n0", cpuSeconds: seconds };
    });
  });
  const first = arrivals[0]!;
  const lastEnd = Math.max(...jobs.map((j) => j.endedAt!.getTime())) / 1000 - baseTime.getTime() / 1000;
  return {
    key: "ecmf/2026112400",
    suite: "cycle_20261124_00",
    baseTime,
    grid: 1,
    firstDataAt: at(first),
    plannedAt: at(first - 5),
    computeNodes: 2,
    files: steps.map((step) => ({
      step,
      receivedAt: at(arrivals[step]!),
      registeredAt: at(arrivals[step]! + 0.08),
    })),
    jobs,
    // Earlier nodes for the provisioning samples; n0 ran the cycle and went `teardown` after its last job.
    nodes: boots.map((boot, i) => ({
      name: `n${i}`,
      provider: "local",
      requestedAt: at(first - 100 + i * 5),
      readyAt: at(first - 100 + i * 5 + boot),
      goneAt: at(i === 0 ? lastEnd + teardown : first - 95 + i * 5),
      failed: false,
    })),
    delivered: steps.map((step) => ({ step, at: at(arrivals[step]! + 1.5) })),
  };
}

function simulate(s: Scenario, cycles: number) {
  const fleet = fleetConfigSchema.parse({
    autoscale: { backlogSeconds: 1 },
    leadTime: { defaultSeconds: 2, marginSeconds: 0.2, minSamples: 1 },
    reconcileIntervalSeconds: 2,
  });
  const record = recorded(s);
  const steps = record.files.map((f) => f.step);
  const plan = buildPlan(
    {
      steps: steps.join(","),
      grid: 1,
      provider: "local",
      deadlineSeconds: Number.POSITIVE_INFINITY,
      probability: 0.99,
      cycles,
      seed: 1,
      timeFactor: s.factor,
      jobTime: "wall",
      cpuSpeed: 1,
      nodeSizes: [1],
      maxNodes: 2,
      dataServerCpus: 0,
      subscriptions: { vlan: 0, ip: 0 },
      cyclesPerDay: 4,
      delay: "const:0",
    },
    {
      products: Object.entries(products).map(([name, p]) => ({ name, steps, weight: p.weight })),
      records: [record],
      samples: record.nodes.map((n) => ({
        batchSize: 1,
        seconds: (n.readyAt!.getTime() - n.requestedAt.getTime()) / 1000,
        at: n.readyAt!,
      })),
      prices: null,
      fleet,
      ingestConcurrency: 2,
    },
  );
  const policy = { name: "autoscale" as const, maxNodes: 2, cpus: 1, backlogSeconds: 1, maxUtilisation: 0.8 };
  const sum = { node: 0, floor: 0, before: 0, extra: 0, one: 0, after: 0, late: 0, steps: 0 };
  const latencies: number[] = [];
  for (const cycle of drawCycles(plan.model.stream, cycles, 1)) {
    // The controller's first pass a few seconds before the first data, as the demo's suite begins.
    const run = runPolicy(plan.model, policy, cycle, -5);
    const lives = run.nodeStart.map((start, i) => ({ start, end: run.nodeEnd[i]! }));
    const split = splitNodeTime(lives, cycle.ready[cycle.workSteps[0]!]!, Math.max(...run.stepEnd));
    sum.node += lives.reduce((t, l) => t + l.end - l.start, 0);
    sum.floor += floorNodeSeconds(cycle, plan.model.floorBootSeconds, 1, plan.model.floorTeardownSeconds);
    sum.before += split.beforeDataSeconds;
    sum.extra += split.extraNodesSeconds;
    sum.one += split.oneNodeSeconds;
    sum.after += split.afterWorkSeconds;
    for (let w = 0; w < cycle.workSteps.length; w++) {
      const step = cycle.workSteps[w]!;
      latencies.push(run.stepEnd[w]! - cycle.received[step]!);
      sum.steps++;
      if (run.stepEnd[w]! > cycle.dueNext[step]!) sum.late++;
    }
  }
  latencies.sort((a, b) => a - b);
  const per = (x: number) => (x / cycles).toFixed(1);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return `| ${s.steps} | ${s.factor}× | ${s.jobScale} | ${per(sum.node)} | ${per(sum.floor)} | ${(sum.node / sum.floor).toFixed(2)} | ${per(sum.before)} / ${per(sum.extra)} / ${per(sum.one)} / ${per(sum.after)} | ${q(0.5).toFixed(2)} / ${q(0.95).toFixed(2)} | ${((100 * sum.late) / sum.steps).toFixed(1)} % |\n`;
}

export async function run(args: string[]): Promise<void> {
  const index = args.indexOf("--cycles");
  const cycles = index >= 0 ? Number(args[index + 1]) : 200;
  process.stdout.write(
    `The autoscaler against the clairvoyant floor, ${cycles} simulated cycles per row (at most 2 one-CPU nodes)\n\n` +
      "| hourly steps | rate | job seconds × | node s | floor node s | × floor | node s: before data / extra nodes / one node / after last job | step latency p50 / p95 s | steps late |\n" +
      "|---|---|---|---|---|---|---|---|---|\n",
  );
  for (const scenario of [
    { steps: 7, factor: 10, jobScale: 1 },
    { steps: 7, factor: 10, jobScale: 0.25 },
    { steps: 25, factor: 10, jobScale: 1 },
    { steps: 25, factor: 10, jobScale: 0.25 },
    { steps: 25, factor: 60, jobScale: 0.25 },
  ])
    process.stdout.write(simulate(scenario, cycles));
}
