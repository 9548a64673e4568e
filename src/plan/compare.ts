// The policies side by side on the same Monte Carlo cycles, each at its own cheapest settings that meet
// the deadline at the wanted probability (N, node size, and for the autoscaler its backlog window), the
// clairvoyant floor, and the recommendation: the cheapest of them all, or, when none is on time often
// enough, the best achievable and the deadline it does reach.
import { leadTimeFor } from "../fleet/leadtime.ts";
import type { SimCycle } from "./cycles.ts";
import { nearestRank } from "./distribution.ts";
import type { AutoscalePolicy, FixedPolicy, Policy, PolicyName } from "./model.ts";
import { type PlanModel, type PolicyStats, simulateFloor, simulatePolicy } from "./montecarlo.ts";

export interface PlanSearch {
  /** The share of cycles that must be on time (0..1). */
  probability: number;
  /** The most nodes a policy may use. */
  maxNodes: number;
  /** Node sizes to try, in CPUs. */
  nodeSizes: readonly number[];
  /** The autoscaler's backlog windows to try (seconds). */
  backlogSeconds: readonly number[];
  maxUtilisation: number;
  /** The thesis's fixed margin before the data (3.5 minutes). */
  thesisLeadSeconds: number;
  /** How many of the cycles the settings are searched on (all of them judge the chosen settings). */
  searchCycles: number;
}

export interface Evaluated {
  policy: Policy;
  stats: PolicyStats;
  /** Node-minutes against the clairvoyant floor for nodes of this size. */
  floorRatio: number;
}

export interface Comparison {
  /** Each policy at its chosen settings, judged on every cycle. */
  policies: Evaluated[];
  /** The floor for the recommended node size (or one CPU). */
  floor: { cpus: number; stats: PolicyStats };
  /** Every setting tried during the search (on the search cycles): the chart's points. */
  tried: Array<{ policy: Policy; onTimeRate: number; costPerCycle: number; nodeMinutes: number }>;
  recommendation: Recommendation;
}

export type Recommendation =
  | { feasible: true; choice: Evaluated; thesis: Evaluated | null }
  | {
      feasible: false;
      reason: string;
      /** The policy on time most often (the cheapest of those), and what it reaches. */
      best: Evaluated;
      /** The deadline the best policy meets at the wanted probability (seconds after the first data). */
      achievableDeadlineSeconds: number;
    };

const meets = (stats: PolicyStats, p: number) => stats.onTimeRate >= p - 1e-9;

/** Cheaper; at the same price (local nodes cost nothing), less node time. */
function cheaper(a: PolicyStats, b: PolicyStats): boolean {
  if (Math.abs(a.costPerCycle - b.costPerCycle) > 1e-12) return a.costPerCycle < b.costPerCycle;
  return a.nodeMinutes < b.nodeMinutes;
}

/** Better: on time often enough and cheaper; else on time more often; else cheaper. */
function better(a: PolicyStats, b: PolicyStats, p: number): boolean {
  const am = meets(a, p);
  const bm = meets(b, p);
  if (am !== bm) return am;
  if (!am && a.onTimeRate !== b.onTimeRate) return a.onTimeRate > b.onTimeRate;
  return cheaper(a, b);
}

export function comparePolicies(
  model: PlanModel,
  cycles: readonly SimCycle[],
  search: PlanSearch,
): Comparison {
  const sample = cycles.slice(0, Math.min(cycles.length, search.searchCycles));
  const tried: Comparison["tried"] = [];
  const floors = new Map<number, PolicyStats>();
  const floorOf = (cpus: number) => {
    const known = floors.get(cpus);
    if (known) return known;
    const stats = simulateFloor(model, cpus, cycles);
    floors.set(cpus, stats);
    return stats;
  };
  const judge = (policy: Policy, on: readonly SimCycle[]) => {
    const stats = simulatePolicy(model, policy, on);
    if (on === sample)
      tried.push({
        policy,
        onTimeRate: stats.onTimeRate,
        costPerCycle: stats.costPerCycle,
        nodeMinutes: stats.nodeMinutes,
      });
    return stats;
  };
  const families: PolicyName[] = ["thesis", "learned-lead", "autoscale"];
  const policies = families.map((name): Evaluated => {
    const chosen = chooseSettings(name, model, search, (policy) => judge(policy, sample));
    const settled = settleOnAll(chosen, search, (policy) => judge(policy, cycles));
    return { ...settled, floorRatio: settled.stats.nodeMinutes / floorOf(settled.policy.cpus).nodeMinutes };
  });
  const recommendation = recommend(policies, search.probability, model);
  const cpus = recommendation.feasible ? recommendation.choice.policy.cpus : recommendation.best.policy.cpus;
  return { policies, floor: { cpus, stats: floorOf(cpus) }, tried, recommendation };
}

/** The family's settings for `nodes` nodes of `cpus` CPUs (and a backlog window for the autoscaler). */
function settings(
  name: PolicyName,
  model: PlanModel,
  search: PlanSearch,
  nodes: number,
  cpus: number,
  backlog: number,
): Policy {
  if (name === "autoscale")
    return {
      name,
      maxNodes: nodes,
      cpus,
      backlogSeconds: backlog,
      maxUtilisation: search.maxUtilisation,
    } satisfies AutoscalePolicy;
  const leadSeconds =
    name === "thesis"
      ? search.thesisLeadSeconds
      : leadTimeFor(nodes, model.controller.samples, model.controller.leadTime).seconds;
  return { name, nodes, cpus, leadSeconds } satisfies FixedPolicy;
}

/**
 * The fewest nodes that meet the probability, per node size (and backlog window), and of those the
 * cheapest; with none meeting it, the setting on time most often. More nodes never make a fleet
 * later, so the fewest that meet it are found by bisection.
 */
function chooseSettings(
  name: PolicyName,
  model: PlanModel,
  search: PlanSearch,
  judge: (policy: Policy) => PolicyStats,
): { policy: Policy; stats: PolicyStats } {
  let best: { policy: Policy; stats: PolicyStats } | null = null;
  const backlogs = name === "autoscale" ? search.backlogSeconds : [0];
  for (const cpus of search.nodeSizes) {
    for (const backlog of backlogs) {
      const at = (nodes: number) => {
        const policy = settings(name, model, search, nodes, cpus, backlog);
        return { policy, stats: judge(policy) };
      };
      let low = 1;
      let high = search.maxNodes;
      let found = at(high);
      if (meets(found.stats, search.probability)) {
        while (low < high) {
          const mid = Math.floor((low + high) / 2);
          const tried = at(mid);
          if (meets(tried.stats, search.probability)) {
            high = mid;
            found = tried;
          } else low = mid + 1;
        }
      }
      if (!best || better(found.stats, best.stats, search.probability)) best = found;
    }
  }
  return best!;
}

/** The chosen settings judged on every cycle; when they fall short there, a node more, while allowed. */
function settleOnAll(
  chosen: { policy: Policy; stats: PolicyStats },
  search: PlanSearch,
  judge: (policy: Policy) => PolicyStats,
): { policy: Policy; stats: PolicyStats } {
  let policy = chosen.policy;
  let stats = judge(policy);
  const metOnSample = meets(chosen.stats, search.probability);
  while (metOnSample && !meets(stats, search.probability)) {
    const nodes = policy.name === "autoscale" ? policy.maxNodes : policy.nodes;
    if (nodes >= search.maxNodes) break;
    policy =
      policy.name === "autoscale" ? { ...policy, maxNodes: nodes + 1 } : { ...policy, nodes: nodes + 1 };
    stats = judge(policy);
  }
  return { policy, stats };
}

function recommend(policies: readonly Evaluated[], p: number, model: PlanModel): Recommendation {
  const thesis = policies.find((e) => e.policy.name === "thesis") ?? null;
  const onTime = policies.filter((e) => meets(e.stats, p));
  if (onTime.length > 0) {
    const choice = onTime.reduce((a, b) => (cheaper(b.stats, a.stats) ? b : a));
    return { feasible: true, choice, thesis };
  }
  const best = policies.reduce((a, b) => (better(b.stats, a.stats, p) ? b : a));
  return {
    feasible: false,
    reason: whyLate(best.stats, p, model),
    best,
    achievableDeadlineSeconds: nearestRank(best.stats.completions, p),
  };
}

function whyLate(stats: PolicyStats, p: number, model: PlanModel): string {
  const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
  const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;
  const work = model.stream.steps.filter((s) => s.jobs.length > 0);
  const last = work.at(-1);
  const origin = model.stream.steps[0]?.minute ?? 0;
  const lastDue = last ? (last.minute - origin) * model.stream.secondsPerMinute : 0;
  if (last && lastDue >= model.deadlineSeconds)
    return `the deadline (${minutes(model.deadlineSeconds)} after the first data) is before the last step with products (${last.step}) is even disseminated (${minutes(lastDue)} after the first data): no fleet can meet it`;
  if (stats.stepsOnTimeRate < p)
    return `no policy delivers every step before the next one arrives in ${percent(p)} of the cycles (the best: ${percent(stats.stepsOnTimeRate)}): the steps come faster than their jobs can be done, or their arrivals bunch together`;
  return `no policy delivers the whole cycle by the deadline in ${percent(p)} of the cycles (the best: ${percent(stats.deadlineRate)})`;
}
