// One plan, start to end, from a question and its evidence: the model, the Monte Carlo cycles, the
// policies side by side, the answer. Pure: everything it knows comes in `evidence`.
import { comparePolicies } from "./compare.ts";
import { buildPlan, type PlanEvidence, type PlanQuestion } from "./inputs.ts";
import { drawCycles } from "./montecarlo.ts";
import { type PlanReport, planReport } from "./report.ts";

export function runPlan(question: PlanQuestion, evidence: PlanEvidence): PlanReport {
  const started = performance.now();
  const plan = buildPlan(question, evidence);
  const cycles = drawCycles(plan.model.stream, question.cycles, question.seed);
  const comparison = comparePolicies(plan.model, cycles, plan.search);
  return planReport(plan, comparison, question, (performance.now() - started) / 1000);
}
