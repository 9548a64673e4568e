// The planner's answer, for scripts (`--json`, the UI's chart) and for people: each policy's figures,
// the floor, the recommendation with its saving against the thesis's policy, and where every input came from.
import type { Comparison, Evaluated } from "./compare.ts";
import { nearestRank } from "./distribution.ts";
import type { BuiltPlan, InputsReport, PlanQuestion } from "./inputs.ts";
import type { Policy } from "./model.ts";
import type { PolicyStats } from "./montecarlo.ts";

export interface PolicyReport {
  name: Policy["name"];
  parameters: Record<string, number>;
  meetsTarget: boolean;
  nodeMinutes: number;
  nodeMinutesP95: number;
  /** Node-minutes against the clairvoyant floor for nodes of this size. */
  floorRatio: number;
  costPerCycle: number;
  computeCostPerCycle: number;
  costPerMonth: number;
  onTimeRate: number;
  stepsOnTimeRate: number;
  deadlineRate: number;
  p50LatencySeconds: number;
  p95LatencySeconds: number;
  maxLatencySeconds: number;
  /** When the whole cycle was delivered, seconds after the first data was due. */
  completionSeconds: { p50: number; p95: number; max: number };
  /** The deadline this policy meets at the wanted probability. */
  deadlineAtProbabilitySeconds: number;
  peakNodes: number;
  nodesStartedPerCycle: number;
}

export interface PlanReport {
  question: PlanQuestion & { deadlineFrom: string };
  currency: string;
  inputs: InputsReport;
  policies: PolicyReport[];
  floor: Omit<
    PolicyReport,
    "name" | "meetsTarget" | "floorRatio" | "deadlineAtProbabilitySeconds" | "parameters"
  > & { cpusPerNode: number };
  recommendation: Record<string, unknown> & {
    feasible: boolean;
    policy: string;
    costPerCycle: number;
    onTimeRate: number;
    summary: string;
  };
  /** Every setting tried while searching (on the first cycles): cost against on-time rate. */
  tried: Array<{
    policy: string;
    parameters: Record<string, number>;
    onTimeRate: number;
    costPerCycle: number;
    nodeMinutes: number;
  }>;
  warnings: string[];
  elapsedSeconds: number;
}

const round = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
const money = (x: number) => round(x, 4);

function parameters(policy: Policy): Record<string, number> {
  return policy.name === "autoscale"
    ? {
        maxNodes: policy.maxNodes,
        cpusPerNode: policy.cpus,
        backlogSeconds: policy.backlogSeconds,
        maxUtilisation: policy.maxUtilisation,
      }
    : { nodes: policy.nodes, cpusPerNode: policy.cpus, leadSeconds: round(policy.leadSeconds, 1) };
}

function figures(stats: PolicyStats, cyclesPerMonth: number) {
  return {
    nodeMinutes: round(stats.nodeMinutes, 2),
    nodeMinutesP95: round(stats.nodeMinutesP95, 2),
    costPerCycle: money(stats.costPerCycle),
    computeCostPerCycle: money(stats.computeCostPerCycle),
    costPerMonth: round(stats.costPerCycle * cyclesPerMonth, 2),
    onTimeRate: round(stats.onTimeRate, 4),
    stepsOnTimeRate: round(stats.stepsOnTimeRate, 4),
    deadlineRate: round(stats.deadlineRate, 4),
    p50LatencySeconds: round(stats.latencySeconds.p50),
    p95LatencySeconds: round(stats.latencySeconds.p95),
    maxLatencySeconds: round(stats.latencySeconds.max),
    completionSeconds: {
      p50: round(stats.completionSeconds.p50, 1),
      p95: round(stats.completionSeconds.p95, 1),
      max: round(stats.completionSeconds.max, 1),
    },
    peakNodes: stats.peakNodes,
    nodesStartedPerCycle: round(stats.nodesStarted, 2),
  };
}

function policyReport(e: Evaluated, probability: number, cyclesPerMonth: number): PolicyReport {
  return {
    name: e.policy.name,
    parameters: parameters(e.policy),
    meetsTarget: e.stats.onTimeRate >= probability - 1e-9,
    ...figures(e.stats, cyclesPerMonth),
    floorRatio: round(e.floorRatio, 2),
    deadlineAtProbabilitySeconds: round(nearestRank(e.stats.completions, probability), 1),
  };
}

const describePolicy = (p: PolicyReport) =>
  p.name === "autoscale"
    ? `the autoscaler with at most ${p.parameters["maxNodes"]} node${p.parameters["maxNodes"] === 1 ? "" : "s"} of ${p.parameters["cpusPerNode"]} CPU${p.parameters["cpusPerNode"] === 1 ? "" : "s"} (backlog window ${p.parameters["backlogSeconds"]} s)`
    : `${p.parameters["nodes"]} node${p.parameters["nodes"] === 1 ? "" : "s"} of ${p.parameters["cpusPerNode"]} CPU${p.parameters["cpusPerNode"] === 1 ? "" : "s"} from ${p.parameters["leadSeconds"]} s before the first data to the end (${p.name})`;

export function planReport(
  plan: BuiltPlan,
  comparison: Comparison,
  question: PlanQuestion,
  elapsedSeconds: number,
): PlanReport {
  const p = question.probability;
  const perMonth = plan.model.billing.cyclesPerMonth;
  const currency = plan.model.billing.currency;
  const policies = comparison.policies.map((e) => policyReport(e, p, perMonth));
  const rec = comparison.recommendation;
  const chosen = policies.find(
    (r) => r.name === (rec.feasible ? rec.choice.policy.name : rec.best.policy.name),
  )!;
  const thesis = policies.find((r) => r.name === "thesis") ?? null;
  const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
  const common = {
    policy: chosen.name,
    parameters: chosen.parameters,
    costPerCycle: chosen.costPerCycle,
    costPerMonth: chosen.costPerMonth,
    currency,
    onTimeRate: chosen.onTimeRate,
  };
  const recommendation: PlanReport["recommendation"] = rec.feasible
    ? {
        feasible: true,
        ...common,
        p95LatencySeconds: chosen.p95LatencySeconds,
        nodeMinutes: chosen.nodeMinutes,
        ...(thesis
          ? {
              thesis: {
                parameters: thesis.parameters,
                costPerCycle: thesis.costPerCycle,
                onTimeRate: thesis.onTimeRate,
                meetsTarget: thesis.meetsTarget,
              },
              savingPerCycle: money(thesis.costPerCycle - chosen.costPerCycle),
              savingPerMonth: round((thesis.costPerCycle - chosen.costPerCycle) * perMonth, 2),
              savingPercent:
                thesis.costPerCycle > 0
                  ? round((100 * (thesis.costPerCycle - chosen.costPerCycle)) / thesis.costPerCycle, 1)
                  : 0,
              // The data server and the subscriptions cost the same whatever the policy: the compute's own saving.
              computeSavingPercent:
                thesis.computeCostPerCycle > 0
                  ? round(
                      (100 * (thesis.computeCostPerCycle - chosen.computeCostPerCycle)) /
                        thesis.computeCostPerCycle,
                      1,
                    )
                  : 0,
            }
          : {}),
        summary: `${describePolicy(chosen)}: ${chosen.costPerCycle} ${currency} a cycle (${chosen.costPerMonth} a month), on time in ${percent(chosen.onTimeRate)} of ${question.cycles} simulated cycles${thesis && thesis !== chosen ? `; the thesis's policy costs ${thesis.costPerCycle} a cycle (${percent(thesis.onTimeRate)} on time)` : ""}`,
      }
    : {
        feasible: false,
        reason: rec.reason,
        ...common,
        stepsOnTimeRate: chosen.stepsOnTimeRate,
        achievableDeadlineSeconds: round(rec.achievableDeadlineSeconds, 1),
        summary: `no policy meets the deadline in ${percent(p)} of the cycles: ${rec.reason}. Best achievable: ${describePolicy(chosen)}, on time in ${percent(chosen.onTimeRate)}; it delivers the whole cycle within ${(rec.achievableDeadlineSeconds / 60).toFixed(1)} min of the first data in ${percent(p)} of the cycles`,
      };
  const { completions: _c, ...floorStats } = comparison.floor.stats;
  return {
    question: { ...question, deadlineFrom: "the first step's scheduled dissemination" },
    currency,
    inputs: plan.inputs,
    policies,
    floor: { cpusPerNode: comparison.floor.cpus, ...figures(floorStats as PolicyStats, perMonth) },
    recommendation,
    tried: comparison.tried.map((t) => ({
      policy: t.policy.name,
      parameters: parameters(t.policy),
      onTimeRate: round(t.onTimeRate, 4),
      costPerCycle: money(t.costPerCycle),
      nodeMinutes: round(t.nodeMinutes, 2),
    })),
    warnings: plan.warnings,
    elapsedSeconds: round(elapsedSeconds, 1),
  };
}

/** The answer for people: the policies side by side, the recommendation, the inputs' sources. */
export function renderPlan(report: PlanReport): string {
  const c = report.currency;
  const lines = [
    `plan: steps ${report.question.steps} at ${report.question.grid}° on ${report.question.provider}, deadline ${(report.question.deadlineSeconds / 60).toFixed(1)} min after the first data, ${(report.question.probability * 100).toFixed(1)} % of ${report.question.cycles} simulated cycles`,
    "",
    "policy        settings                          node-min  x floor  cost/cycle  on time  p95 latency  done (p95)",
  ];
  for (const p of report.policies) {
    const settings = Object.entries(p.parameters)
      .filter(([k]) => k !== "maxUtilisation")
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    lines.push(
      `${p.name.padEnd(13)} ${settings.padEnd(33)} ${String(p.nodeMinutes).padStart(8)} ${String(p.floorRatio).padStart(8)} ${`${p.costPerCycle} ${c}`.padStart(11)} ${`${(p.onTimeRate * 100).toFixed(1)}%`.padStart(8)} ${`${p.p95LatencySeconds} s`.padStart(12)} ${`${(p.completionSeconds.p95 / 60).toFixed(1)} min`.padStart(11)}`,
    );
  }
  lines.push(
    `${"floor".padEnd(13)} ${`clairvoyant, ${report.floor.cpusPerNode} CPU nodes`.padEnd(33)} ${String(report.floor.nodeMinutes).padStart(8)} ${"1".padStart(8)} ${`${report.floor.costPerCycle} ${c}`.padStart(11)}`,
    "",
    `recommendation: ${report.recommendation.summary}`,
  );
  if (report.recommendation["savingPercent"] !== undefined)
    lines.push(
      `saving against the thesis's policy: ${report.recommendation["savingPerCycle"]} ${c} a cycle, ${report.recommendation["savingPerMonth"]} ${c} a month (${report.recommendation["savingPercent"]} % of the whole bill, ${report.recommendation["computeSavingPercent"]} % of the compute)`,
    );
  const i = report.inputs;
  lines.push(
    "",
    "inputs:",
    `  stream: ${i.stream.steps} steps (${i.stream.stepsWithJobs} with products, the last ${i.stream.lastStepWithJobs}); lateness per file ${i.stream.jitter.description} (${i.stream.jitter.source}), the first file's ${i.stream.firstLateness.description}; per cycle ${i.stream.delay.description} (${i.stream.delay.source}); registration ${i.stream.ingest.description} (${i.stream.ingest.source})`,
    ...i.jobs.map(
      (j) =>
        `  ${j.product}: ${j.steps} jobs a cycle, p50 ${round(j.p50Seconds)} s, p95 ${round(j.p95Seconds)} s (${j.source})`,
    ),
    `  provisioning: p50 ${round(i.provisioning.bootSeconds.p50, 1)} s, p95 ${round(i.provisioning.bootSeconds.p95, 1)} s, learned lead ${round(i.provisioning.leadSeconds, 1)} s (${i.provisioning.source}); worker start ${i.provisioning.workerStart.description}; teardown ${i.provisioning.teardown.description}; failures ${i.provisioning.failureSource}`,
    `  prices: ${Object.entries(i.billing.nodePricePerHour)
      .map(([k, v]) => `${k} ${round(v, 4)}`)
      .join(
        ", ",
      )} ${i.billing.currency}/h (${i.billing.source}); ${i.billing.rounding}${i.billing.dataServerPerHour !== null ? `; data server ${round(i.billing.dataServerPerHour, 4)}/h` : ""}${i.billing.subscriptionsPerMonth !== null ? `; subscriptions ${i.billing.subscriptionsPerMonth}/month` : ""}`,
    ...report.warnings.map((w) => `warning: ${w}`),
    `(${report.elapsedSeconds} s)`,
  );
  return `${lines.join("\n")}\n`;
}
